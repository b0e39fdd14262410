#!/usr/bin/env python3
"""Writes the SAE persistence fixtures: models in the SAELens layout (cfg.json +
sae_weights.safetensors) and the sparsify layout (cfg.json + sae.safetensors), inputs x.npy and
the codes a numpy reference computes for them. The safetensors files are written by hand from
the format description (8-byte little-endian header length, JSON header, raw little-endian data),
independently of hilm's writer. Run: /usr/bin/python3 tests/data/sae/make_fixtures.py"""
import json, os, struct
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261128)
D_IN, D_SAE, N, K = 16, 40, 25, 5


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        code = {np.float32: "F32", np.float64: "F64"}[a.dtype.type]
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def model(dtype=np.float32):
    return dict(
        W_enc=rng.normal(size=(D_IN, D_SAE)).astype(dtype) / 4,
        b_enc=rng.normal(size=D_SAE).astype(dtype) / 10,
        W_dec=rng.normal(size=(D_SAE, D_IN)).astype(dtype) / 4,
        b_dec=rng.normal(size=D_IN).astype(dtype) / 10)


def encode(w, x, arch, k=None, threshold=None):
    x = x.astype(np.float64)
    pre = (x - w["b_dec"].astype(np.float64)) @ w["W_enc"].astype(np.float64) + w["b_enc"]
    if arch == "standard":
        return np.maximum(pre, 0)
    if arch == "jumprelu":
        return np.where(pre > threshold.astype(np.float64), np.maximum(pre, 0), 0)
    z = np.zeros_like(pre)
    idx = np.argsort(-pre, axis=1)[:, :k]
    rows = np.arange(pre.shape[0])[:, None]
    z[rows, idx] = np.maximum(pre[rows, idx], 0)
    return z


def save(name, tensors, cfg, weights_file="sae_weights.safetensors"):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    write_safetensors(os.path.join(d, weights_file), tensors)
    with open(os.path.join(d, "cfg.json"), "w") as f:
        json.dump(cfg, f, indent=2)


x = rng.normal(size=(N, D_IN)).astype(np.float32)
np.save(os.path.join(HERE, "x.npy"), x)

w = model()
save("saelens_topk", w, {"architecture": "topk", "d_in": D_IN, "d_sae": D_SAE, "k": K,
                         "dtype": "float32", "normalize_activations": "none",
                         "apply_b_dec_to_input": True})
np.save(os.path.join(HERE, "codes_saelens_topk.npy"), encode(w, x, "topk", k=K).astype(np.float32))

w = model()
save("saelens_standard", w, {"architecture": "standard", "d_in": D_IN, "d_sae": D_SAE,
                             "dtype": "float32", "apply_b_dec_to_input": True,
                             "normalize_activations": "none"})
np.save(os.path.join(HERE, "codes_saelens_standard.npy"),
        encode(w, x, "standard").astype(np.float32))

w = model()
w["threshold"] = np.abs(rng.normal(size=D_SAE)).astype(np.float32) / 3
save("saelens_jumprelu", w, {"architecture": "jumprelu", "d_in": D_IN, "d_sae": D_SAE,
                             "dtype": "float32", "normalize_activations": "none"})
np.save(os.path.join(HERE, "codes_saelens_jumprelu.npy"),
        encode(w, x, "jumprelu", threshold=w["threshold"]).astype(np.float32))

w = model()
sp = {"encoder.weight": np.ascontiguousarray(w["W_enc"].T), "encoder.bias": w["b_enc"],
      "W_dec": w["W_dec"], "b_dec": w["b_dec"]}
save("sparsify_topk", sp, {"expansion_factor": 0, "normalize_decoder": True,
                           "num_latents": D_SAE, "k": K, "multi_topk": False,
                           "skip_connection": False, "d_in": D_IN}, "sae.safetensors")
np.save(os.path.join(HERE, "codes_sparsify_topk.npy"), encode(w, x, "topk", k=K).astype(np.float32))
