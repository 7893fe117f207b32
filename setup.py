"""Packaging for tb-lossdiag: the engine, the CLI and the TensorBoard plugin."""

from setuptools import find_packages, setup

setup(
    name="tb-lossdiag",
    version="0.1.0",
    description="Diagnose overfitting, underfitting, plateaus, spikes and divergence in TensorBoard loss curves.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["tb_lossdiag", "tb_lossdiag.*"]),
    package_data={"tb_lossdiag": ["static/*", "static/**/*"]},
    python_requires=">=3.10",
    install_requires=[
        "numpy>=1.22",
        "scipy>=1.8",
        "protobuf>=3.20",
        "tensorboard>=2.11,<3",  # 2.10 needs protobuf<3.20; `make test-oldest` runs 2.11
    ],
    extras_require={
        # TensorFlow is optional at run time: it adds gfile (gs://, s3://) paths
        # and is what the demo trains with.
        "tf": ["tensorflow-cpu>=2.12"],
        "dask": ["dask[distributed]>=2023.1"],
        "demo": ["tensorflow-cpu>=2.12", "scikit-learn>=1.2", "tensorboardX>=2.6"],
        "test": [
            "pytest>=7",
            "hypothesis>=6",
            "tensorflow-cpu>=2.12",
            "scikit-learn>=1.2",
            "tensorboardX>=2.6",
            "playwright>=1.40",
            "dask[distributed]>=2023.1",
            # The Hugging Face Trainer itself writes the runs that test how it logs a NaN loss.
            "transformers>=4.44,<5",
            "accelerate>=1.0",
        ],
        "bench": ["tbparse>=0.0.9", "trainproof>=0.22"],
    },
    entry_points={
        "console_scripts": ["tb-lossdiag = tb_lossdiag.cli:main"],
        "tensorboard_plugins": ["lossdiag = tb_lossdiag.plugin.loader:LossDiagLoader"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: TensorFlow",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
