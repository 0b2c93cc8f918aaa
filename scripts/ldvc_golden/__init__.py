"""Golden files for ldvc-swift (Schemas/golden/ldvc-golden-v1.md) from PyTorch reference models.

Shared by scripts/make_golden.py (goldens of a user's own model) and Fixtures/scripts/make_goldens.py
(the fixture goldens): tap recording (`taps`), writing (`writer`), the ZegCLIP/LDVC test path on the
repository's reconstruction (`segmentation`) or on ZegCLIP's own code (`zegclip_checkout`), CLIP models
from their libraries (`clip_models`), image preprocessing (`images`) and weights (`weights`).
"""
