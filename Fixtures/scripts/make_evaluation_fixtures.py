#!/usr/bin/env python3
"""Reference numbers for the Evaluation target: segmentation metrics as MMSegmentation computes them.

What it makes (under Fixtures/evaluation/):

* cases.json            the inputs: per case the class names, ignore index, reduce_zero_label, the seen class
                        indices of a zero-shot split (or null), and per image its name, height, width, raw label map
                        (as stored in the annotation PNG, before reduce_zero_label) and predicted class indices.
* mmseg_reference.json  per case what the real MMSegmentation 1.2.2 code gives for those inputs:
    - reduced_labels    the label maps after mmseg's own `LoadAnnotations` read the PNGs this script wrote
                        (reduce_zero_label applied by mmseg), flattened;
    - per_image         `IoUMetric.intersect_and_union` of every image (area_intersect, area_union,
                        area_pred_label, area_label), as integers (exact: each is a float32 count below 2**24);
    - total             the sums `IoUMetric.compute_metrics` forms, as integers;
    - float32           `IoUMetric.total_area_to_metrics` on those float32 totals, exactly as compute_metrics calls
                        it: per-class IoU, Acc, Dice, Fscore, Precision, Recall and aAcc (float32 values written as
                        the float64 they convert to, so they are exact), and `np.nanmean` of each (float32);
    - printed           the summary dict `IoUMetric.compute_metrics` returns (np.round(nanmean * 100, 2), float32)
                        and the per-class table values it logs (np.round(value * 100, 2)), as numpy prints them;
    - float64           `IoUMetric.total_area_to_metrics` called with the same totals as float64 tensors, and
                        `np.nanmean` of each (float64): the full-precision values;
    - zero_shot         seen/unseen mIoU and mAcc the way ZegCLIP's dataset `evaluate` computes them
                        (np.round(np.nanmean(metric[idx]) * 100, 2) on the float32 per-class arrays), the same means
                        in float64, and hIoU = 2 s u / (s + u) from the float64 means and from the printed means
                        (ZegCLIP prints no hIoU; papers form it from the printed seen and unseen mIoU).

MMSegmentation 1.2.2 cannot be imported as a package next to mmcv-lite 2.2.0: `mmseg/__init__.py` asserts
mmcv < 2.2.0, and `mmseg/datasets/__init__.py` and `mmseg/utils/__init__.py` import modules that load mmcv's
compiled ops (`mmcv._ext`), which mmcv-lite lacks. So `import_mmseg_modules` registers empty package objects for
`mmseg`, `mmseg.datasets`, `mmseg.datasets.transforms` and `mmseg.utils` whose `__path__` is the installed
package folder (so their `__init__.py` files are not run), puts the real `mmseg.utils.io.datafrombytes` on the
`mmseg.utils` stand-in (the one name `loading.py` takes from it), and then imports the real, unmodified
`mmseg.evaluation.metrics.iou_metric` and `mmseg.datasets.transforms.loading` files.

Run from the repository root (needs: pip install --no-deps mmsegmentation==1.2.2 prettytable, next to
mmcv-lite 2.2.0, mmengine 0.10.7, torch, numpy, Pillow):

    python3 Fixtures/scripts/make_evaluation_fixtures.py

Seeded; reruns give byte-identical files.
"""

import importlib
import importlib.util
import json
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "evaluation"
SEED = 20261124
METRICS = ["mIoU", "mDice", "mFscore"]
PER_CLASS_KEYS = ["IoU", "Acc", "Dice", "Fscore", "Precision", "Recall"]

# ZegCLIP's COCO-Stuff 171 zero-shot split (configs/coco/vpt_seg_zero_vit-b_512x512_80k_12_100_multi.py,
# `novel_class`); the seen classes are the other 156.
COCO_STUFF_NOVEL = [19, 23, 28, 29, 36, 51, 76, 88, 94, 112, 133, 136, 137, 157, 160]


def import_mmseg_modules():
    """The real IoUMetric and LoadAnnotations, without running mmseg's package `__init__` files (see above)."""
    spec = importlib.util.find_spec("mmseg")
    if spec is None or spec.origin is None:
        sys.exit("mmsegmentation is not installed: pip install --no-deps mmsegmentation==1.2.2 prettytable")
    package_dir = Path(spec.origin).parent
    for name in ["mmseg", "mmseg.datasets", "mmseg.datasets.transforms", "mmseg.utils"]:
        stand_in = types.ModuleType(name)
        stand_in.__path__ = [str(package_dir.joinpath(*name.split(".")[1:]))]
        sys.modules[name] = stand_in
    io_module = importlib.import_module("mmseg.utils.io")
    sys.modules["mmseg.utils"].datafrombytes = io_module.datafrombytes
    iou_metric = importlib.import_module("mmseg.evaluation.metrics.iou_metric")
    loading = importlib.import_module("mmseg.datasets.transforms.loading")
    from importlib.metadata import version

    return iou_metric.IoUMetric, loading.LoadAnnotations, version("mmsegmentation")


def pick(rng, values, weights, size):
    weights = np.asarray(weights, dtype=np.float64)
    return rng.choice(np.asarray(values), size=size, p=weights / weights.sum())


def noisy_predictions(rng, labels, predictable, keep):
    """Predictions that copy a predictable label with probability `keep`, else a random predictable class."""
    random = rng.choice(np.asarray(predictable), size=labels.shape)
    copy = np.isin(labels, predictable) & (rng.random(labels.shape) < keep)
    return np.where(copy, labels, random).astype(np.int64)


def make_cases():
    rng = np.random.default_rng(SEED)
    cases = []

    # Seven classes, no reduction. Label 7 and 200 are >= C but not ignored (MMSeg counts those pixels' predictions
    # in area_pred_label, never in area_label). Class 4 is labelled but never predicted, class 5 predicted but never
    # labelled, class 6 neither (union 0 -> NaN). One 1-pixel-high image; predictions 7 and -1 lie outside histc's
    # range and count nowhere.
    images = []
    for index, (height, width) in enumerate([(7, 13), (11, 9), (1, 13), (5, 17), (8, 8)]):
        labels = pick(rng, [0, 1, 2, 3, 4, 7, 200, 255], [9, 7, 5, 4, 3, 1, 1, 3], (height, width))
        predictions = noisy_predictions(rng, labels, [0, 1, 2, 3, 5], 0.6)
        if index == 2:
            predictions[0, 3] = 7
            predictions[0, 8] = -1
        images.append((f"basic_{index}", labels, predictions))
    cases.append(dict(name="basic", class_names=["wall", "floor", "tree", "ceiling", "road", "bed", "window"],
                      ignore_index=255, reduce_zero_label=False, seen_class_indices=[0, 1, 2, 4], images=images))

    # reduce_zero_label: raw 0 -> 255 (ignored), 1..254 -> v - 1, 255 stays 255. Raw 7 and 254 become 6 and 253,
    # >= C = 6. Raw 5 (class 4) never occurs and 4 is never predicted: union 0.
    images = []
    for index, (height, width) in enumerate([(9, 7), (3, 21), (10, 10), (6, 5)]):
        raw = pick(rng, [0, 1, 2, 3, 4, 6, 7, 254, 255], [3, 8, 6, 5, 4, 3, 1, 1, 2], (height, width))
        reduced = np.where((raw == 0) | (raw == 255), 255, raw - 1)
        predictions = noisy_predictions(rng, reduced, [0, 1, 2, 3, 5], 0.55)
        images.append((f"reduce_{index}", raw, predictions))
    cases.append(dict(name="reduce_zero_label", class_names=["sky", "person", "car", "grass", "boat", "dog"],
                      ignore_index=255, reduce_zero_label=True, seen_class_indices=[0, 2, 3], images=images))

    # ignore_index 0 without reduction: 0 is ignored, and 255 is then an ordinary out-of-range label (>= C).
    images = []
    for index, (height, width) in enumerate([(4, 9), (7, 6), (5, 5)]):
        labels = pick(rng, [0, 1, 2, 3, 4, 255], [3, 5, 4, 3, 2, 2], (height, width))
        predictions = noisy_predictions(rng, labels, [0, 1, 2, 3, 4], 0.5)
        images.append((f"ignore0_{index}", labels, predictions))
    cases.append(dict(name="ignore_index_zero", class_names=["unlabelled", "a", "b", "c", "d"],
                      ignore_index=0, reduce_zero_label=False, seen_class_indices=None, images=images))

    # COCO-Stuff sized: 171 classes (numpy's pairwise float32 sum takes its 8-accumulator and recursive paths),
    # ZegCLIP's split. Classes 150..170 are never labelled; 165..170 are never predicted either (NaN).
    images = []
    for index, (height, width) in enumerate([(37, 41), (29, 53), (45, 31), (33, 33)]):
        labels = rng.integers(0, 150, size=(height, width))
        labels[rng.random((height, width)) < 0.08] = 255
        labels[0:3, 0:5] = 255
        predictions = noisy_predictions(rng, labels, list(range(165)), 0.5)
        images.append((f"coco_{index}", labels.astype(np.int64), predictions))
    seen = [index for index in range(171) if index not in COCO_STUFF_NOVEL]
    cases.append(dict(name="coco_stuff_171", class_names=[f"class_{index:03d}" for index in range(171)],
                      ignore_index=255, reduce_zero_label=False, seen_class_indices=seen, images=images))
    return cases


def exact(value):
    """A float32 or float64 number as JSON: the float64 it converts to (exact), or null for NaN."""
    value = float(value)
    return None if np.isnan(value) else value


def printed(value):
    """A number as numpy prints it (str of the numpy scalar), or null for NaN."""
    return None if np.isnan(value) else str(value)


def integers(tensor):
    values = tensor.numpy().astype(np.float64)
    assert np.all(values == np.round(values)) and values.max(initial=0) < 2**24, "count not exact in float32"
    return [int(value) for value in values]


def load_labels(load_annotations, folder, name, raw, reduce_zero_label):
    """Writes the raw label map as an 8-bit PNG and reads it back through mmseg's LoadAnnotations."""
    path = Path(folder) / f"{name}.png"
    Image.fromarray(raw.astype(np.uint8), mode="L").save(path)
    transform = load_annotations(reduce_zero_label=reduce_zero_label)
    results = transform(dict(seg_map_path=str(path), reduce_zero_label=reduce_zero_label, seg_fields=[]))
    return results["gt_seg_map"].reshape(raw.shape)


def zero_shot(seen, class_count, iou32, acc32, iou64, acc64):
    unseen = [index for index in range(class_count) if index not in seen]

    def printed_mean(values, indices):
        return np.round(np.nanmean(values[indices]) * 100, 2)

    seen_printed, unseen_printed = printed_mean(iou32, seen), printed_mean(iou32, unseen)
    s, u = float(np.nanmean(iou64[seen])), float(np.nanmean(iou64[unseen]))
    hiou = 2 * s * u / (s + u)
    s_printed, u_printed = float(str(seen_printed)), float(str(unseen_printed))
    hiou_printed = np.round(2 * s_printed * u_printed / (s_printed + u_printed), 2)
    return dict(
        unseen_class_indices=unseen,
        printed=dict(seen_miou=printed(seen_printed), unseen_miou=printed(unseen_printed),
                     seen_macc=printed(printed_mean(acc32, seen)), unseen_macc=printed(printed_mean(acc32, unseen)),
                     hiou=printed(hiou_printed)),
        float64=dict(seen_miou=exact(s), unseen_miou=exact(u), seen_macc=exact(np.nanmean(acc64[seen])),
                     unseen_macc=exact(np.nanmean(acc64[unseen])), hiou=exact(hiou)),
    )


def reference(case, iou_metric_class, load_annotations, folder):
    class_count = len(case["class_names"])
    metric = iou_metric_class(ignore_index=case["ignore_index"], iou_metrics=METRICS)
    metric.dataset_meta = dict(classes=case["class_names"])
    reduced_labels, per_image = {}, []
    for name, raw, predictions in case["images"]:
        labels = load_labels(load_annotations, folder, name, raw, case["reduce_zero_label"])
        if case["reduce_zero_label"]:
            reduced_labels[name] = [int(value) for value in labels.reshape(-1)]
        sample = dict(pred_sem_seg=dict(data=torch.from_numpy(predictions[None].astype(np.int64))),
                      gt_sem_seg=dict(data=torch.from_numpy(labels[None].astype(np.int64))))
        metric.process(data_batch={}, data_samples=[sample])
        intersect, union, pred_label, label = metric.results[-1]
        per_image.append(dict(image=name, area_intersect=integers(intersect), area_union=integers(union),
                              area_pred_label=integers(pred_label), area_label=integers(label)))

    # compute_metrics' own steps, kept to read the per-class arrays it only logs.
    columns = tuple(zip(*metric.results))
    totals = [sum(column) for column in columns]
    metrics32 = iou_metric_class.total_area_to_metrics(*totals, METRICS, None, 1)
    metrics64 = iou_metric_class.total_area_to_metrics(*[total.double() for total in totals], METRICS, None, 1)
    summary = metric.compute_metrics(list(metric.results))
    for values in list(metrics32.values()) + list(metrics64.values()):
        assert values.dtype in (np.float32, np.float64)
    assert all(metrics32[key].dtype == np.float32 for key in PER_CLASS_KEYS)
    assert all(metrics64[key].dtype == np.float64 for key in PER_CLASS_KEYS)

    result = dict(
        name=case["name"],
        per_image=per_image,
        total=dict(area_intersect=integers(totals[0]), area_union=integers(totals[1]),
                   area_pred_label=integers(totals[2]), area_label=integers(totals[3])),
        float32=dict(
            aAcc=exact(metrics32["aAcc"]),
            per_class={key: [exact(value) for value in metrics32[key]] for key in PER_CLASS_KEYS},
            nanmean={key: exact(np.nanmean(metrics32[key])) for key in PER_CLASS_KEYS},
        ),
        printed=dict(
            summary={key: printed(value) for key, value in summary.items()},
            per_class={key: [printed(value) for value in np.round(metrics32[key] * 100, 2)] for key in PER_CLASS_KEYS},
        ),
        float64=dict(
            aAcc=exact(metrics64["aAcc"]),
            per_class={key: [exact(value) for value in metrics64[key]] for key in PER_CLASS_KEYS},
            nanmean={key: exact(np.nanmean(metrics64[key])) for key in PER_CLASS_KEYS},
        ),
    )
    if reduced_labels:
        result["reduced_labels"] = reduced_labels
    if case["seen_class_indices"] is not None:
        result["zero_shot"] = zero_shot(case["seen_class_indices"], class_count, metrics32["IoU"], metrics32["Acc"],
                                        metrics64["IoU"], metrics64["Acc"])
    return result


def to_json(value, indent=""):
    """JSON with sorted keys, one key per line, and lists of numbers, strings or nulls kept on one line."""
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(key)}: {to_json(value[key], inner)}" for key in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}" if items else "{}"
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return "[\n" + ",\n".join(inner + to_json(item, inner) for item in value) + "\n" + indent + "]"
    return json.dumps(value, separators=(", ", ": "), allow_nan=False)


def write_json(path, value):
    path.write_text(to_json(value) + "\n")


def main():
    import warnings

    warnings.filterwarnings("ignore", category=RuntimeWarning)  # nanmean of all-NaN slices, 0/0 in numpy
    warnings.filterwarnings("ignore", message=".*reduce_zero_label.*will be deprecated")
    torch.set_num_threads(1)
    from mmengine.logging import MMLogger

    MMLogger.get_instance("make_evaluation_fixtures", log_level="ERROR")  # compute_metrics logs its class table
    iou_metric_class, load_annotations, mmseg_version = import_mmseg_modules()
    cases = make_cases()
    OUT.mkdir(parents=True, exist_ok=True)
    inputs = []
    for case in cases:
        inputs.append(dict(
            name=case["name"], class_names=case["class_names"], ignore_index=case["ignore_index"],
            reduce_zero_label=case["reduce_zero_label"], seen_class_indices=case["seen_class_indices"],
            images=[dict(name=name, height=int(labels.shape[0]), width=int(labels.shape[1]),
                         labels=[int(value) for value in labels.reshape(-1)],
                         predictions=[int(value) for value in predictions.reshape(-1)])
                    for name, labels, predictions in case["images"]],
        ))
    with tempfile.TemporaryDirectory() as folder:
        references = [reference(case, iou_metric_class, load_annotations, folder) for case in cases]
    import mmcv
    import mmengine

    versions = dict(mmsegmentation=mmseg_version, mmcv_lite=mmcv.__version__, mmengine=mmengine.__version__,
                    torch=torch.__version__.split("+")[0], numpy=np.__version__)
    write_json(OUT / "cases.json", dict(seed=SEED, cases=inputs))
    write_json(OUT / "mmseg_reference.json", dict(versions=versions, cases=references))
    print(f"wrote {OUT / 'cases.json'} and {OUT / 'mmseg_reference.json'} ({versions})")


if __name__ == "__main__":
    main()
