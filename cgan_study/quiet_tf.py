"""Importing this module imports TensorFlow quietly (cgan_study.import_tensorflow), once, before Keras.

Every module that needs Keras or TensorFlow has `import cgan_study.quiet_tf  # noqa: F401` above `import keras`:
the package itself stays free of TensorFlow, so its light parts (config, grids, CLI listings) load instantly.
"""
from cgan_study import import_tensorflow

import_tensorflow()
