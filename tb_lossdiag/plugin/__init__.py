"""The TensorBoard plugin: a ``Loss Diagnosis`` tab over TensorBoard's scalars."""
