"""The KernelBench level 3 problem 23 model (EfficientNet-B1 variant), verbatim
in structure and state_dict names, shared by the golden-data and peer-benchmark
tools. Eval-mode semantics: BatchNorm uses running statistics."""
import torch
import torch.nn as nn
import torch.nn.functional as F

# (cin, cout, stride, expand) of mbconv1..7, as in model/arch.h
MBCONV = [(32, 16, 1, 1), (16, 24, 2, 6), (24, 40, 2, 6), (40, 80, 2, 6),
          (80, 112, 1, 6), (112, 192, 2, 6), (192, 320, 1, 6)]


class Model(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        for i, (cin, cout, s, e) in enumerate(MBCONV, start=1):
            setattr(self, f"mbconv{i}", self._make_mbconv_block(cin, cout, s, e))
        self.conv2 = nn.Conv2d(320, 1280, kernel_size=1, stride=1, padding=0, bias=False)
        self.bn2 = nn.BatchNorm2d(1280)
        self.fc = nn.Linear(1280, num_classes)

    @staticmethod
    def _make_mbconv_block(in_channels, out_channels, stride, expand_ratio):
        hidden_dim = round(in_channels * expand_ratio)
        return nn.Sequential(
            nn.Conv2d(in_channels, hidden_dim, kernel_size=1, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(hidden_dim),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden_dim, hidden_dim, kernel_size=3, stride=stride, padding=1,
                      groups=hidden_dim, bias=False),
            nn.BatchNorm2d(hidden_dim),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden_dim, out_channels, kernel_size=1, stride=1, padding=0, bias=False),
            nn.BatchNorm2d(out_channels),
        )

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for i in range(1, 8):
            x = getattr(self, f"mbconv{i}")(x)
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.fc(x)


def randomize_and_calibrate(model, seed, calib_batches=4, calib_size=96):
    """Gives every BatchNorm random affine parameters, calibrates its running
    statistics on random inputs (so activations stay O(1) through 24 plain
    layers and the logits depend on the input), then perturbs those statistics
    randomly, so BN folding is really exercised (PyTorch's defaults, mean 0 and
    var 1, would hide a folding bug)."""
    g = torch.Generator().manual_seed(seed)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            c = bn.num_features
            bn.weight.copy_(torch.rand(c, generator=g) + 0.5)          # gamma in [0.5, 1.5)
            bn.bias.copy_((torch.rand(c, generator=g) - 0.5) * 0.4)    # beta in [-0.2, 0.2)
            bn.reset_running_stats()
            bn.momentum = None                                        # cumulative average
        model.train()
        for _ in range(calib_batches):
            x = torch.randn(8, 3, calib_size, calib_size, generator=g)
            model(x)
        model.eval()
        for bn in bns:
            c = bn.num_features
            std = bn.running_var.sqrt()
            bn.running_mean.add_((torch.rand(c, generator=g) - 0.5) * 0.2 * std)
            bn.running_var.mul_(torch.rand(c, generator=g) * 0.6 + 0.7)
            bn.momentum = 0.1
    return model
