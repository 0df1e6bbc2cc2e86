"""cgan-study: conditional GANs on MNIST and whether their digits help a classifier (Keras 3 on TensorFlow)."""
from __future__ import annotations

import os
import sys
import tempfile

# The whole project is TensorFlow code (tf.GradientTape train steps, tf.data pipelines), but Keras 3 takes its
# backend from ~/.keras/keras.json, so a user whose default backend is jax or torch would get a Keras that the
# train steps cannot drive. The package therefore pins the backend itself, before anything imports Keras.
os.environ["KERAS_BACKEND"] = "tensorflow"
# INFO and WARNING lines from TensorFlow's C++ side stay out of the output unless the user asks for them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def import_tensorflow() -> None:
    """Import TensorFlow with its start-up lines (oneDNN, CUDA probing) held back; shown only if the import fails.

    Not done at package import: `import cgan_study`, the config, the sweep grids and the CLIs' --help, --list
    and --dry-run stay free of TensorFlow (seconds to import). Every module that needs Keras or TensorFlow
    imports `cgan_study.quiet_tf` first, which calls this once; a CLI calls it before its heavy imports.

    TensorFlow >= 2.20 writes those lines from C++ before it reads TF_CPP_MIN_LOG_LEVEL, so the level alone does
    not silence them: file descriptor 2 is pointed at a temporary file for the import. A user who set the level
    to 0 or 1 (wants TensorFlow's logs) sees everything.
    """
    if "tensorflow" in sys.modules or os.environ["TF_CPP_MIN_LOG_LEVEL"] in ("0", "1"):
        import tensorflow  # noqa: F401
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _check_keras_backend() -> None:
    keras = sys.modules.get("keras")
    if keras is not None and keras.backend.backend() != "tensorflow":
        raise ImportError(f"cgan_study needs Keras on the TensorFlow backend, but Keras was already imported with "
                          f"the {keras.backend.backend()!r} backend; import cgan_study before keras, or set "
                          f"KERAS_BACKEND=tensorflow")


_check_keras_backend()
