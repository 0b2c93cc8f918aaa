// Shim over protobuf-c 1.4: the generated ONNX code and Sources/ONNXProto use it.
#ifndef CPROTOBUFC_SHIM_H
#define CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
