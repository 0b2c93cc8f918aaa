/* Reads everything in HDF5 files the way ldvc-convert's bridge does, straight through libhdf5 with
 * no checks of ours: open, links in creation order (else by name), every attribute (variable-length
 * strings included), every dataset read whole. Used by check_hdf5_adversarial.py to show what each
 * hostile file does to the system's libhdf5 (Debian 12: 1.10.8).
 *
 *   cc -O1 -g hdf5_read_all.c $(pkg-config --cflags --libs hdf5) -o hdf5_read_all
 *   ./hdf5_read_all FILE        # exit 0: read without error; 2: libhdf5 reported an error
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

static int failures = 0;
static int depth = 0;

static void note(herr_t status) { if (status < 0) failures++; }

static herr_t read_attribute(hid_t location, const char *name, const H5A_info_t *info, void *data) {
    hid_t attribute = H5Aopen(location, name, H5P_DEFAULT);
    if (attribute < 0) { failures++; return 0; }
    hid_t type = H5Aget_type(attribute), space = H5Aget_space(attribute);
    hssize_t count = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (type >= 0 && count > 0 && count < 1000000) {
        if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
            char **strings = calloc((size_t)count, sizeof(char *));
            herr_t status = H5Aread(attribute, type, strings);
            note(status);
            if (status >= 0) for (hssize_t i = 0; i < count; i++) free(strings[i]);
            free(strings);
        } else {
            size_t size = H5Tget_size(type);
            if (size > 0 && size < 65536) {
                void *values = calloc((size_t)count, size);
                note(H5Aread(attribute, type, values));
                free(values);
            }
        }
    } else if (type < 0 || count < 0) {
        failures++;
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Aclose(attribute);
    return 0;
}

static herr_t visit_link(hid_t group, const char *name, const H5L_info_t *info, void *data);

static void visit(hid_t object) {
    if (++depth > 40) { depth--; return; }
    hsize_t index = 0;
    if (H5Aiterate2(object, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, read_attribute, NULL) < 0) {
        index = 0;
        note(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, read_attribute, NULL));
    }
    H5O_info_t info;
    if (H5Oget_info2(object, &info, H5O_INFO_BASIC) < 0) { failures++; depth--; return; }
    if (info.type == H5O_TYPE_GROUP) {
        index = 0;
        if (H5Literate(object, H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, visit_link, NULL) < 0) {
            index = 0;
            note(H5Literate(object, H5_INDEX_NAME, H5_ITER_INC, &index, visit_link, NULL));
        }
    } else if (info.type == H5O_TYPE_DATASET) {
        hid_t type = H5Dget_type(object), space = H5Dget_space(object);
        hssize_t count = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
        size_t size = type >= 0 ? H5Tget_size(type) : 0;
        if (count > 0 && size > 0 && (double)count * (double)size < 64e6) {
            void *values = malloc((size_t)count * size);
            note(H5Dread(object, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values));
            free(values);
        }
        if (type >= 0) H5Tclose(type);
        if (space >= 0) H5Sclose(space);
    }
    depth--;
}

static herr_t visit_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    hid_t object = H5Oopen(group, name, H5P_DEFAULT);
    if (object < 0) { failures++; return 0; }
    visit(object);
    H5Oclose(object);
    return 0;
}

int main(int argc, char **argv) {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    for (int i = 1; i < argc; i++) {
        hid_t file = H5Fopen(argv[i], H5F_ACC_RDONLY, H5P_DEFAULT);
        if (file < 0) { failures++; continue; }
        hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
        if (root >= 0) { visit(root); H5Gclose(root); } else failures++;
        H5Fclose(file);
    }
    return failures ? 2 : 0;
}
