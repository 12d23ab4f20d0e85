"""The multifashion reference model: a small residual CNN backbone with three task heads.

Input: one normalized RGB image, [1, 3, 128, 128]. The backbone (84 million multiply-adds per
image) returns feature maps at strides 4, 8 and 16 ("stride4", "stride8", "stride16"). The heads
differ in cost by design, so task masks make a measurable difference: about 1, 44 and 73 million
multiply-adds for tags, detection and segmentation (convolution and linear layers counted).

- head_det: CenterNet-style detector on the stride-4 grid (32x32). Per cell it predicts a class
  heat map, a log box size and the centre's offset within the cell. The head decodes them itself:
  3x3 max pooling finds local peaks, the DETECTION_TOP_K highest peaks over all classes are kept,
  and peaks scoring below DETECTION_SCORE_THRESHOLD are dropped. There is no cross-class
  suppression, so one garment can yield boxes of several classes.
- head_seg: an upsampling decoder to stride 2, bilinearly resized to 128x128 logits of 11 classes
  (0 background, c the garment category with id c).
- head_tags: 10 multilabel logits from globally pooled stride-16 features.

Outputs carry no batch dimension, as docs/model-format.md specifies. Training uses the batched
`*_maps` and `*_logits` methods instead of the heads.
"""

from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import nn

CLASS_COUNT = 10
INPUT_SIZE = 128
DETECTION_STRIDE = 4
DETECTION_TOP_K = 20
DETECTION_SCORE_THRESHOLD = 0.05
# The size channels predict log(box side / SIZE_UNIT), so a typical garment maps to about 0.
SIZE_UNIT = 32.0
# Channels of the detection maps: class heat map, then log width and height, then the centre's x
# and y offsets within its cell.
MAP_CHANNELS = CLASS_COUNT + 4


class ConvBnRelu(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with an identity or 1x1 projection shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = ConvBnRelu(in_channels, out_channels, 3, stride)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn2(self.conv2(self.conv1(x))) + self.shortcut(x))


class Encoder(nn.Module):
    """The shared backbone: stride-2 stem, then residual stages at strides 4, 8 and 16."""

    def __init__(self, widths: List[int] = (16, 32, 64, 128)):
        super().__init__()
        self.stem = ConvBnRelu(3, widths[0], 3, 2)
        self.stage4 = ResidualBlock(widths[0], widths[1], 2)
        self.stage8 = nn.Sequential(ResidualBlock(widths[1], widths[2], 2),
                                    ResidualBlock(widths[2], widths[2]))
        self.stage16 = nn.Sequential(ResidualBlock(widths[2], widths[3], 2),
                                     ResidualBlock(widths[3], widths[3]))
        self.widths = list(widths)

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        stride4 = self.stage4(self.stem(x))
        stride8 = self.stage8(stride4)
        stride16 = self.stage16(stride8)
        return {"stride4": stride4, "stride8": stride8, "stride16": stride16}


class TopDownDecoder(nn.Module):
    """Upsample stride-16 features and fuse the stride-8 and stride-4 maps, as in a small FPN."""

    def __init__(self, widths: List[int], channels: int):
        super().__init__()
        self.lateral16 = nn.Conv2d(widths[3], channels, 1)
        self.lateral8 = nn.Conv2d(widths[2], channels, 1)
        self.lateral4 = nn.Conv2d(widths[1], channels, 1)
        self.smooth8 = ConvBnRelu(channels, channels)
        self.smooth4 = ConvBnRelu(channels, channels)

    def forward(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        top = self.lateral16(features["stride16"])
        top = F.interpolate(top, scale_factor=2.0, mode="nearest") + self.lateral8(features["stride8"])
        top = self.smooth8(top)
        top = F.interpolate(top, scale_factor=2.0, mode="nearest") + self.lateral4(features["stride4"])
        return self.smooth4(top)


class DetectionHead(nn.Module):
    def __init__(self, widths: List[int], channels: int = 48):
        super().__init__()
        self.decoder = TopDownDecoder(widths, channels)
        self.predict = nn.Sequential(ConvBnRelu(channels, 32), nn.Conv2d(32, MAP_CHANNELS, 1))
        # A prior of 1% object probability per cell keeps the focal loss stable at the start.
        nn.init.constant_(self.predict[-1].bias[:CLASS_COUNT], -4.6)
        # Plain attributes, because TorchScript does not read module-level globals.
        self.class_count = CLASS_COUNT
        self.stride = DETECTION_STRIDE
        self.top_k = DETECTION_TOP_K
        self.score_threshold = DETECTION_SCORE_THRESHOLD
        self.size_unit = SIZE_UNIT
        self.input_size = INPUT_SIZE

    def forward(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        return self.predict(self.decoder(features))

    def decode(self, maps: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Decode one image's detection maps [1, 14, h, w] into boxes, scores and labels."""
        classes = self.class_count
        heat = torch.sigmoid(maps[0, :classes])
        height, width = heat.shape[1], heat.shape[2]
        peaks = F.max_pool2d(heat.unsqueeze(0), 3, 1, 1)[0]
        peak_heat = torch.where(peaks == heat, heat, torch.zeros_like(heat))
        k = min(self.top_k, peak_heat.numel())
        scores, flat_indices = torch.topk(peak_heat.reshape(-1), k)
        keep = scores >= self.score_threshold
        scores = scores[keep]
        flat_indices = flat_indices[keep]

        cells = height * width
        labels = torch.div(flat_indices, cells, rounding_mode="floor")
        cell = flat_indices - labels * cells
        rows = torch.div(cell, width, rounding_mode="floor")
        columns = cell - rows * width

        sizes = maps[0, classes:classes + 2].reshape(2, cells)[:, cell]
        offsets = maps[0, classes + 2:classes + 4].reshape(2, cells)[:, cell]
        box_width = torch.exp(sizes[0].clamp(-6.0, 6.0)) * self.size_unit
        box_height = torch.exp(sizes[1].clamp(-6.0, 6.0)) * self.size_unit
        centre_x = (columns.to(maps.dtype) + offsets[0]) * self.stride
        centre_y = (rows.to(maps.dtype) + offsets[1]) * self.stride
        boxes = torch.stack([centre_x - box_width / 2, centre_y - box_height / 2,
                             centre_x + box_width / 2, centre_y + box_height / 2], dim=1)
        boxes = boxes.clamp(0.0, float(self.input_size))
        return {"boxes": boxes, "scores": scores, "labels": labels}


class SegmentationHead(nn.Module):
    def __init__(self, widths: List[int], channels: int = 48, fine_channels: int = 24):
        super().__init__()
        self.decoder = TopDownDecoder(widths, channels)
        self.refine = ConvBnRelu(channels, fine_channels)
        self.classifier = nn.Conv2d(fine_channels, CLASS_COUNT + 1, 1)
        self.output_size = INPUT_SIZE

    def forward(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        coarse = self.decoder(features)
        fine = self.refine(F.interpolate(coarse, scale_factor=2.0, mode="bilinear", align_corners=False))
        logits = self.classifier(fine)
        return F.interpolate(logits, size=(self.output_size, self.output_size), mode="bilinear", align_corners=False)


class TagHead(nn.Module):
    def __init__(self, widths: List[int], channels: int = 128):
        super().__init__()
        self.project = ConvBnRelu(widths[3], channels, 1)
        self.classifier = nn.Linear(2 * channels, CLASS_COUNT)

    def forward(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        projected = self.project(features["stride16"])
        pooled = torch.cat([projected.mean(dim=(2, 3)), projected.amax(dim=(2, 3))], dim=1)
        return self.classifier(pooled)


class MultiFashionNet(nn.Module):
    """Backbone with detection, segmentation and tag heads (tasks det, seg, tags)."""

    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.det = DetectionHead(self.encoder.widths)
        self.seg = SegmentationHead(self.encoder.widths)
        self.tags = TagHead(self.encoder.widths)

    @torch.jit.export
    def backbone(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        return self.encoder(x)

    @torch.jit.export
    def det_maps(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Return the raw detection maps [B, 14, 32, 32]: heat logits, log sizes, offsets."""
        return self.det(features)

    @torch.jit.export
    def seg_logits(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        return self.seg(features)

    @torch.jit.export
    def tag_logits(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        return self.tags(features)

    @torch.jit.export
    def head_det(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return self.det.decode(self.det_maps(features))

    @torch.jit.export
    def head_seg(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return {"logits": self.seg_logits(features)[0]}

    @torch.jit.export
    def head_tags(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return {"logits": self.tag_logits(features)[0]}

    def forward(self, x: torch.Tensor) -> Dict[str, Dict[str, torch.Tensor]]:
        features = self.backbone(x)
        return {"det": self.head_det(features), "seg": self.head_seg(features),
                "tags": self.head_tags(features)}


class MultiFashionSegNet(nn.Module):
    """The same backbone with the segmentation head only (task seg), a dedicated fallback model."""

    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.seg = SegmentationHead(self.encoder.widths)

    @torch.jit.export
    def backbone(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        return self.encoder(x)

    @torch.jit.export
    def seg_logits(self, features: Dict[str, torch.Tensor]) -> torch.Tensor:
        return self.seg(features)

    @torch.jit.export
    def head_seg(self, features: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return {"logits": self.seg_logits(features)[0]}

    def forward(self, x: torch.Tensor) -> Dict[str, Dict[str, torch.Tensor]]:
        return {"seg": self.head_seg(self.backbone(x))}
