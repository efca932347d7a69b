#!/usr/bin/python3
"""PyTorch side of the training-throughput benchmark (FlowGen vs PyTorch, same config, same machine, one run).

The model and data code below is copied verbatim from the project's reference recipe glow_ref.py
(../shared/reference/glow_ref.py: Glow L=3, K=4, hidden 64; DemPatches data pipeline) so the benchmark
needs nothing outside the repository. Run with Debian's interpreter:
  /usr/bin/python3 training_throughput_torch.py --dem data/jacksboro_fault_dem.npz --steps 200 --threads 2
Prints one JSON object: median step seconds and samples/s (first --warmup steps excluded).
"""
import argparse
import json
import math
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PATCH = 32
DIMS = PATCH * PATCH


class DemPatches:
    def __init__(self, path, patch=PATCH, test_frac=0.2):
        d = np.load(path)
        self.dem = d["elevation"].astype(np.float64)  # (344, 403) metres
        H, W = self.dem.shape
        self.patch = patch
        self.split_col = int(math.floor(W * (1.0 - test_frac)))
        self.train = self.dem[:, : self.split_col]
        self.test = self.dem[:, self.split_col:]
        self.sigma = self._window_rms(self.train, patch)
        self._train_win = np.lib.stride_tricks.sliding_window_view(self.train, (patch, patch))
        self._test_win = np.lib.stride_tricks.sliding_window_view(self.test, (patch, patch))

    @staticmethod
    def _window_rms(a, p):
        """sqrt(mean over all stride-1 pxp windows of the population variance inside the window)."""
        def box(x):
            c = np.zeros((x.shape[0] + 1, x.shape[1] + 1))
            c[1:, 1:] = x.cumsum(0).cumsum(1)
            return c[p:, p:] - c[:-p, p:] - c[p:, :-p] + c[:-p, :-p]
        n = p * p
        s1 = box(a)
        s2 = box(a * a)
        var = s2 / n - (s1 / n) ** 2
        return float(math.sqrt(var.mean()))

    def _normalise(self, crops, u):
        crops = crops - crops.mean(axis=(1, 2), keepdims=True)
        return ((crops + u - 0.5) / self.sigma).astype(np.float32)

    def train_batch(self, rng, n):
        win = self._train_win
        r = rng.integers(0, win.shape[0], n)
        c = rng.integers(0, win.shape[1], n)
        d = rng.integers(0, 8, n)
        u = rng.random((n, self.patch, self.patch))
        crops = win[r, c]  # (n, p, p) copy
        out = np.empty_like(crops)
        for i in range(n):
            t = np.rot90(crops[i], int(d[i]) & 3)
            if d[i] >= 4:
                t = t[:, ::-1]
            out[i] = t
        return torch.from_numpy(self._normalise(out, u)[:, None])

    def test_set(self, n=2048, seed=2024, return_pos=False):
        rng = np.random.default_rng(seed)
        win = self._test_win
        flat = rng.choice(win.shape[0] * win.shape[1], size=n, replace=False)
        r, c = np.divmod(flat, win.shape[1])
        crops = win[r, c].copy()
        u = rng.random((n, self.patch, self.patch))
        x = torch.from_numpy(self._normalise(crops, u)[:, None])
        if return_pos:  # (row, col) of the crop's top-left pixel in the FULL DEM
            return x, np.stack([r, c + self.split_col], 1)
        return x


def squeeze2x2(x, C, H, W):
    # [B,C,H,W] -> [B,4C,H/2,W/2]; out channel = c*4 + dy*2 + dx
    x = x.reshape(-1, C, H // 2, 2, W // 2, 2).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(-1, C * 4, H // 2, W // 2)


def unsqueeze2x2(x, C, H, W):
    # inverse of squeeze2x2; (C,H,W) is the *squeezed* shape
    x = x.reshape(-1, C // 4, 2, 2, H, W).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(-1, C // 4, H * 2, W * 2)


class ActNorm(nn.Module):
    def __init__(self, C):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, C, 1, 1))
        self.logs = nn.Parameter(torch.zeros(1, C, 1, 1))
        self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))

    @torch.no_grad()
    def data_init(self, x):
        mean = x.mean(dim=(0, 2, 3), keepdim=True)
        std = ((x - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True).sqrt()
        self.bias.copy_(-mean)
        self.logs.copy_(-torch.log(std + 1e-6))
        self.initialized.fill_(1)

    def forward(self, x):
        if self.initialized.item() == 0:
            self.data_init(x)
        y = (x + self.bias) * torch.exp(self.logs)
        return y, self.logs.sum() * (x.shape[2] * x.shape[3])

    def reverse(self, y):
        return y * torch.exp(-self.logs) - self.bias


class InvConv1x1LU(nn.Module):
    def __init__(self, C):
        super().__init__()
        w = torch.linalg.qr(torch.randn(C, C, dtype=torch.float64))[0]
        P, Lw, U = torch.lu_unpack(*torch.linalg.lu_factor(w))
        s = torch.diagonal(U)
        self.register_buffer("P", P.float())
        self.register_buffer("sign_s", torch.sign(s).float())
        self.register_buffer("mask_l", torch.tril(torch.ones(C, C), -1))
        self.register_buffer("eye", torch.eye(C))
        self.L = nn.Parameter(Lw.float())
        self.U = nn.Parameter(torch.triu(U, 1).float())
        self.log_s = nn.Parameter(torch.log(torch.abs(s)).float())
        self.C = C

    def weight(self):
        L = self.L * self.mask_l + self.eye
        U = self.U * self.mask_l.t() + torch.diag(self.sign_s * torch.exp(self.log_s))
        return self.P @ L @ U

    def forward(self, x):
        W = self.weight()
        return F.conv2d(x, W.view(self.C, self.C, 1, 1)), self.log_s.sum() * (x.shape[2] * x.shape[3])

    def inverse_weight(self):
        with torch.no_grad():
            return torch.inverse(self.weight().double()).float()

    def reverse(self, y):
        Wi = torch.inverse(self.weight())
        return F.conv2d(y, Wi.view(self.C, self.C, 1, 1))


class CouplingNet(nn.Module):
    def __init__(self, cin, cout, hidden):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, hidden, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden, hidden, 1)
        self.conv3 = nn.Conv2d(hidden, cout, 3, padding=1)
        nn.init.zeros_(self.conv3.weight)
        nn.init.zeros_(self.conv3.bias)

    def forward(self, x):
        return self.conv3(F.relu(self.conv2(F.relu(self.conv1(x)))))


class AffineCoupling(nn.Module):
    def __init__(self, C, hidden):
        super().__init__()
        self.ca = C // 2
        self.cb = C - self.ca
        self.net = CouplingNet(self.ca, 2 * self.cb, hidden)

    def _shift_scale(self, xa):
        h = self.net(xa)
        return h[:, 0::2], h[:, 1::2] + 2.0  # shift, pre-sigmoid scale

    def forward(self, x):
        xa, xb = x[:, : self.ca], x[:, self.ca:]
        shift, a = self._shift_scale(xa)
        yb = (xb + shift) * torch.sigmoid(a)
        return torch.cat([xa, yb], 1), F.logsigmoid(a).flatten(1).sum(1)

    def reverse(self, y):
        ya, yb = y[:, : self.ca], y[:, self.ca:]
        shift, a = self._shift_scale(ya)
        return torch.cat([ya, yb / torch.sigmoid(a) - shift], 1)


class FlowStep(nn.Module):
    def __init__(self, C, hidden):
        super().__init__()
        self.actnorm = ActNorm(C)
        self.invconv = InvConv1x1LU(C)
        self.coupling = AffineCoupling(C, hidden)

    def forward(self, x):
        x, l1 = self.actnorm(x)
        x, l2 = self.invconv(x)
        x, l3 = self.coupling(x)
        return x, l1 + l2 + l3

    def reverse(self, y):
        return self.actnorm.reverse(self.invconv.reverse(self.coupling.reverse(y)))


class Glow(nn.Module):
    def __init__(self, in_ch=1, size=PATCH, L=3, K=4, hidden=64):
        super().__init__()
        self.cfg = dict(in_ch=in_ch, size=size, L=L, K=K, hidden=hidden)
        self.levels = nn.ModuleList()
        self.shapes = []    # per level: (C_in_prev, H_prev, W_prev) before squeeze, (C, H, W) after squeeze
        self.zshapes = []   # factored-out z shapes
        C, H, W = in_ch, size, size
        for l in range(L):
            pre = (C, H, W)
            C, H, W = C * 4, H // 2, W // 2
            self.levels.append(nn.ModuleList([FlowStep(C, hidden) for _ in range(K)]))
            self.shapes.append((pre, (C, H, W)))
            if l < L - 1:
                self.zshapes.append((C - C // 2, H, W))
                C = C // 2
            else:
                self.zshapes.append((C, H, W))
        self.zsizes = [c * h * w for (c, h, w) in self.zshapes]
        self.D = in_ch * size * size
        assert sum(self.zsizes) == self.D

    def encode(self, x):
        """density direction: x -> (z flat [B,D], logdet [B])"""
        logdet = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        zs = []
        for l, steps in enumerate(self.levels):
            (C0, H0, W0), (C, H, W) = self.shapes[l]
            x = squeeze2x2(x, C0, H0, W0)
            for st in steps:
                x, ld = st(x)
                logdet = logdet + ld
            if l < len(self.levels) - 1:
                zs.append(x[:, C // 2:])
                x = x[:, : C // 2]
            else:
                zs.append(x)
        return torch.cat([z.reshape(z.shape[0], -1) for z in zs], 1), logdet

    def log_prob(self, x):
        z, logdet = self.encode(x)
        logpz = -0.5 * (z * z).sum(1) - 0.5 * self.D * math.log(2 * math.pi)
        return logpz + logdet

    def decode(self, z):
        """eager sampling direction (inverse weights computed on the fly)."""
        offs = np.cumsum([0] + self.zsizes)
        Lv = len(self.levels)
        h = None
        for l in reversed(range(Lv)):
            (C0, H0, W0), (C, H, W) = self.shapes[l]
            zl = z[:, offs[l]: offs[l + 1]].reshape(-1, *self.zshapes[l])
            h = zl if h is None else torch.cat([h, zl], 1)
            for st in reversed(self.levels[l]):
                h = st.reverse(h)
            h = unsqueeze2x2(h, C, H, W)
        return h




def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dem", required=True)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    data = DemPatches(a.dem)
    rng = np.random.default_rng(a.seed)
    model = Glow()
    with torch.no_grad():
        model.log_prob(data.train_batch(np.random.default_rng(a.seed + 1), 512))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times, losses = [], []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        x = data.train_batch(rng, a.batch)
        loss = -model.log_prob(x).mean() / DIMS
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        losses.append(loss.item())
    st = times[a.warmup:] if len(times) > a.warmup else times
    med = statistics.median(st)
    print(json.dumps(dict(impl="pytorch", torch=torch.__version__, threads=torch.get_num_threads(), batch=a.batch,
                          steps=a.steps, median_step_s=med, samples_per_s=a.batch / med,
                          final_train_bpd=float(np.mean(losses[-20:]) / math.log(2)))))


if __name__ == "__main__":
    main()
