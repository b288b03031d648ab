# Keypoint description of a user's own keypoint set (mmpose's dataset_info format), here the
# 5-keypoint birds of the generated example set
# (tools/dataset_converters/make_transfer_examples.py).
# Read by the dataset (metainfo=dict(from_file=...)), flip augmentation and flip test, the metric
# (OKS sigmas, category), drawing and the inferencer; checkpoints carry it. See docs/transfer.md.
dataset_info = dict(
    dataset_name='birds',
    # The COCO-format annotation category whose instances are used.
    category=dict(id=3, name='bird'),
    # swap: the keypoint's left/right mirror ('' on the axis of symmetry), used when flipping.
    # type: 'upper'/'lower' for half-body cropping; leave it out and no half bodies are cropped.
    keypoint_info={
        0: dict(name='beak', id=0, swap=''),
        1: dict(name='left_wing', id=1, swap='right_wing'),
        2: dict(name='right_wing', id=2, swap='left_wing'),
        3: dict(name='left_foot', id=3, swap='right_foot'),
        4: dict(name='right_foot', id=4, swap='left_foot'),
    },
    skeleton_info={
        0: dict(link=('beak', 'left_wing'), id=0),
        1: dict(link=('beak', 'right_wing'), id=1),
        2: dict(link=('left_wing', 'left_foot'), id=2),
        3: dict(link=('right_wing', 'right_foot'), id=3),
    },
    # OKS falloff per keypoint: the standard deviation of human annotators' clicks around the
    # true point, as a fraction of the object scale (COCO: 0.025 eyes ... 0.107 hips). Measure it
    # by annotating some images twice, or start from a COCO keypoint of similar precision.
    sigmas=[0.03, 0.08, 0.08, 0.06, 0.06])
