"""An independent re-statement of the official MicroNet module tree (`backbone/microconfig.py`,
`micronet.py`, `activation.py` of the official code), used only as the
reference the tests compare against. It follows the official nn.Sequential positions so that its
state dict has the released checkpoints' key names; it shares no code with micronet_dense."""
import torch
from torch import nn


def _shuffle(groups):
    class Shuffle(nn.Module):
        def forward(self, x):
            b, c, h, w = x.shape
            return x.reshape(b, groups, c // groups, h, w).permute(0, 2, 1, 3, 4).reshape(b, c, h, w)
    return Shuffle()


class _HSig(nn.Module):
    def forward(self, x):
        return torch.clamp(x + 3, 0, 6) / 6


class _HSwish(nn.Module):
    def forward(self, x):
        return x * torch.clamp(x + 3, 0, 6) / 6


class RefDSM(nn.Module):
    def __init__(self, c, reduction, k, g_pair, expansion, init_a, init_b):
        super().__init__()
        sq = c // reduction
        sq = max(4, int(sq + 2) // 4 * 4)
        if sq < 0.9 * (c // reduction):
            sq += 4
        sq = max(sq, 4)
        self.k, self.c, self.init_a, self.init_b = k, c, init_a, init_b
        self.fc = nn.Sequential(nn.Linear(c, sq), nn.ReLU(), nn.Linear(sq, c * 2 * k), _HSig())
        g = g_pair[1]
        if g != 1 and expansion:
            g = c // g
        gc = c // g
        self.idx = [((i // gc + 1) % g) * gc + (i % gc + 1) % gc for i in range(c)]

    def forward(self, x):
        y = (self.fc(x.mean((2, 3))) - 0.5) * 4.0
        y = y[:, :, None, None]
        xs = x[:, self.idx]
        a1, b1 = y[:, :self.c] + self.init_a[0], y[:, self.c:2 * self.c] + self.init_b[0]
        z = x * a1 + xs * b1
        if self.k == 2:
            a2 = y[:, 2 * self.c:3 * self.c] + self.init_a[1]
            b2 = y[:, 3 * self.c:] + self.init_b[1]
            z = torch.max(z, x * a2 + xs * b2)
        return z


def _sep(inp, e1, e2, k, s):
    mid = inp * e1
    return _Seq(nn.Sequential(
        nn.Conv2d(inp, mid, (k, 1), (s, 1), (k // 2, 0), groups=inp, bias=False),
        nn.BatchNorm2d(mid),
        nn.Conv2d(mid, mid * e2, (1, k), (1, s), (0, k // 2), groups=mid, bias=False),
        nn.BatchNorm2d(mid * e2)))


class _Seq(nn.Module):
    def __init__(self, conv):
        super().__init__()
        self.conv = conv

    def forward(self, x):
        return self.conv(x)


def _gc(inp, oup, g):
    return _Seq(nn.Sequential(nn.Conv2d(inp, oup, 1, groups=g, bias=False), nn.BatchNorm2d(oup)))


class RefBlock(nn.Module):
    def __init__(self, inp, row, init_a, init_b):
        super().__init__()
        s, _, oup, k, c1, c2, g1, g2, _, g3, g4, y1, y2, y3, r = row
        red = 8 * r
        hid = inp * c1 * c2
        self.identity = s == 1 and inp == oup
        act = lambda y, c, rd, gp, exp: RefDSM(c, rd, y, gp, exp, init_a, init_b) if y else nn.ReLU6()  # noqa
        lin = lambda c, rd, gp: RefDSM(c, rd, 1, gp, False, [1.0, 0.0], [0.0, 0.0])  # noqa
        empty = nn.Sequential
        if g1 == 0:
            layers = [_sep(inp, c1, c2, k, s), act(y2, hid, red, (0, g2), False), _shuffle(g2),
                      _shuffle(hid // 2) if y2 else empty(), _gc(hid, oup, g3),
                      lin(oup, red // 2, (g3, g4)) if y3 else empty(), _shuffle(g4),
                      _shuffle(oup // 2) if oup % 2 == 0 and y3 else empty()]
        elif g4 == 0:
            self.identity = False
            layers = [_gc(inp, hid, g1), lin(hid, red, (g1, g2)) if y3 else empty()]
        else:
            mid_shuffle = (_shuffle(hid // 4) if y1 and y2 else empty() if not y1 and not y2
                           else _shuffle(hid // 2))
            layers = [_gc(inp, hid, g1), act(y1, hid, red, (g1, g2), False), _shuffle(g2),
                      _sep(hid, 1, 1, k, s), empty(), act(y2, hid, red, (g1, g2), True), mid_shuffle,
                      _gc(hid, oup, g3),
                      lin(oup, red // 2 if oup < hid else red, (g3, g4)) if y3 else empty(),
                      _shuffle(g4), _shuffle(oup // 2) if y3 else empty()]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        out = self.layers(x)
        return out + x if self.identity else out


class RefStem(nn.Module):
    def __init__(self, g1, g2):
        super().__init__()
        self.stem = nn.Sequential(_Seq(nn.Sequential(
            nn.Conv2d(3, g1, (3, 1), (2, 1), (1, 0), bias=False), nn.BatchNorm2d(g1),
            nn.Conv2d(g1, g1 * g2, (1, 3), (1, 2), (0, 1), groups=g1, bias=False),
            nn.BatchNorm2d(g1 * g2), _shuffle(g1))), nn.ReLU6())

    def forward(self, x):
        return self.stem(x)


class _SwishLinear(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.linear = nn.Sequential(nn.Linear(i, o), nn.BatchNorm1d(o), _HSwish())

    def forward(self, x):
        return self.linear(x)


class RefMicroNet(nn.Module):
    """rows: the 15-column official rows; stem=(g1, g2); the classifier as in the official code."""

    def __init__(self, rows, stem, out_ch, init_a, init_b, num_classes=1000):
        super().__init__()
        layers = [RefStem(*stem)]
        inp = stem[0] * stem[1]
        for row in rows:
            layers.append(RefBlock(inp, row, init_a, init_b))
            inp = row[2] if row[10] else inp * row[4] * row[5]
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.Sequential(nn.ReLU6(), nn.AdaptiveAvgPool2d(1), _HSwish())
        self.classifier = nn.Sequential(_SwishLinear(inp, out_ch), nn.Dropout(0.1),
                                        _SwishLinear(out_ch, num_classes))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))
