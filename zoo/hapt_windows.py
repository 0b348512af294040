"""Windows of the raw HAPT recordings for zoo/train_hapt.py (numpy only, so that the windowing can
be checked without torch: test/zoo/hapt.test.ts).

A window is the T samples ending at sample e of one recording (never across two); its label is the
label of sample e (activity id - 1, 0..11); an end labelled 0 (unlabelled) is dropped. Split by
subject: test = the usual UCI HAR / HAPT test subjects, validation = training subjects 7 17 27.
"""
import csv
import os

import numpy as np

T = 50          # window length (samples at 50 Hz: 1 s)
C = 6           # acc xyz (g), gyro xyz (rad/s), raw
NUM_CLASSES = 12
STRIDE = 25     # validation and test
TRAIN_STRIDE = 50  # training: no overlap, to keep an epoch of the 256-wide RNN within a few minutes on one core
TRANSITION_STRIDE = 10  # training only, for windows ending inside a postural transition
TRANSITIONS = (7, 8, 9, 10, 11, 12)
TEST_SUBJECTS = (2, 4, 9, 10, 12, 13, 18, 20, 24)
VAL_SUBJECTS = (7, 17, 27)


# ---------------------------------------------------------------- raw recordings and windows
def load_raw(data_dir):
    """(samples [N, 6] float32, labels [N] uint8, recordings [(exp, user, offset, length)])."""
    x = np.fromfile(os.path.join(data_dir, "raw_acc_gyro.f32"), "<f4").reshape(-1, C)
    labels = np.fromfile(os.path.join(data_dir, "raw_labels.u8"), "u1")
    with open(os.path.join(data_dir, "experiments.csv")) as f:
        recs = [(int(r["exp_id"]), int(r["user_id"]), int(r["sample_offset"]), int(r["num_samples"]))
                for r in csv.DictReader(f)]
    return x, labels, recs


def window_ends(labels, length=T, stride=STRIDE, dense_labels=(), dense_stride=None):
    """Indices e (into one recording's `labels`) of the windows [e-length+1, e] kept: every
    `stride`-th end from the first full window, plus every `dense_stride`-th end whose label is in
    `dense_labels`; an end labelled 0 (unlabelled) is dropped. Sorted, no duplicates."""
    ends = np.arange(length - 1, len(labels), stride)
    if dense_labels and dense_stride:
        dense = np.arange(length - 1, len(labels), dense_stride)
        ends = np.union1d(ends, dense[np.isin(labels[dense], dense_labels)])
    return ends[labels[ends] != 0]


def split_of(user):
    return "test" if user in TEST_SUBJECTS else "val" if user in VAL_SUBJECTS else "train"


def make_split(x, labels, recs, split, length=T):
    """Windows [N, length, 6] float32, labels [N] (activity id - 1, 0..11), subjects [N]."""
    train = split == "train"
    dense = dict(dense_labels=TRANSITIONS, dense_stride=TRANSITION_STRIDE) if train else {}
    xs, ys, ss = [], [], []
    for _exp, user, off, n in recs:
        if split_of(user) != split:
            continue
        rec_x, rec_l = x[off:off + n], labels[off:off + n]
        ends = window_ends(rec_l, length, TRAIN_STRIDE if train else STRIDE, **dense)
        idx = ends[:, None] + np.arange(-length + 1, 1)[None, :]
        xs.append(rec_x[idx])
        ys.append(rec_l[ends].astype(np.int64) - 1)
        ss.append(np.full(len(ends), user, dtype=np.int64))
    return (np.ascontiguousarray(np.concatenate(xs), dtype=np.float32), np.concatenate(ys).astype(np.uint8),
            np.concatenate(ss))
