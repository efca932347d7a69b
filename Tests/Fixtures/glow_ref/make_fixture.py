#!/usr/bin/python3
"""Regenerates the glow_ref fixture: the PyTorch reference Glow (../shared/reference/glow_ref.py, trained
2,000 steps; its weights are glow_ref_weights_f32.bin + index json there) exported by torch.onnx as the
sampling graph z[B,1024] -> x[B,1,32,32], plus reference latents and outputs for parity tests.

Usage: /usr/bin/python3 make_fixture.py /path/to/shared/reference
Needs Debian's python3-torch (1.13) and python3-onnx. Not used at build or test time.
"""
import json, os, sys
import numpy as np
import torch

ref = sys.argv[1]
sys.path.insert(0, ref)
import glow_ref  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
index = json.load(open(os.path.join(ref, "glow_ref_weights_index.json")))
flat = np.fromfile(os.path.join(ref, "glow_ref_weights_f32.bin"), dtype="<f4")
cfg = index["config"]
model = glow_ref.Glow(in_ch=cfg["in_ch"], size=cfg["size"], L=cfg["L"], K=cfg["K"], hidden=cfg["hidden"])
sd = model.state_dict()
for t in index["tensors"]:
    arr = flat[t["offset"]: t["offset"] + t["count"]].reshape(t["shape"])
    sd[t["name"]] = torch.from_numpy(arr.copy()).to(sd[t["name"]].dtype)
model.load_state_dict(sd)
model.eval()

# the trained weights reproduce the reference log-likelihoods: a check that loading was right
xt = torch.from_numpy(np.load(os.path.join(ref, "test_x_2048.npy"))[:256])
lp_ref = np.loadtxt(os.path.join(ref, "logp_ref_test_first256.txt"))
with torch.no_grad():
    lp = model.log_prob(xt).double().numpy()
assert np.abs(lp - lp_ref).max() < 1e-2, np.abs(lp - lp_ref).max()

sampler = glow_ref.GlowSampler(model).eval()
path = os.path.join(here, "glow_ref_sample.onnx")
torch.onnx.export(sampler, (torch.zeros(2, model.D),), path, opset_version=17, input_names=["z"],
                  output_names=["x"], dynamic_axes={"z": {0: "batch"}, "x": {0: "batch"}},
                  do_constant_folding=True)
import onnx  # noqa: E402
m = onnx.load(path)
od = m.graph.output[0].type.tensor_type.shape.dim
for d, v in zip(list(od)[1:], (1, 32, 32)):
    d.ClearField("dim_param")
    d.dim_value = v
m.doc_string = "glow_ref sampling pass z[B,1024] -> x[B,1,32,32] in normalised units (metres = x * sigma + patch mean)"
for k, v in {"flowgen.version": "1", "flowgen.kind": "heightmap", "flowgen.shape": "1,32,32",
             "flowgen.scale": repr(float(index["sigma_m"])), "flowgen.offset": "0",
             "flowgen.pixel_size_m": "90", "flowgen.default_temperature": "0.7", "flowgen.arch": "glow",
             "flowgen.train.command": "glow_ref.py train --steps 2000 (PyTorch reference)",
             "flowgen.train.steps": "2000"}.items():
    e = m.metadata_props.add()
    e.key, e.value = k, v
onnx.checker.check_model(m, full_check=True)
onnx.save(m, path)

z = np.random.default_rng(1234).standard_normal((16, model.D)).astype(np.float32)
with torch.no_grad():
    x = sampler(torch.from_numpy(z)).numpy().astype(np.float32)
np.save(os.path.join(here, "z_ref_16x1024.npy"), z)
np.save(os.path.join(here, "x_ref_16x1x32x32.npy"), x)
np.save(os.path.join(here, "test_x_first256.npy"), xt.numpy().astype(np.float32))
np.savetxt(os.path.join(here, "logp_ref_test_first256.txt"), lp_ref, fmt="%.6f")
print("ok", path, os.path.getsize(path), "bytes; max |logp - ref| =", np.abs(lp - lp_ref).max())
