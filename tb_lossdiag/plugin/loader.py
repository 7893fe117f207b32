"""Entry point TensorBoard discovers (``tensorboard_plugins`` group).

TensorBoard imports this module at start-up and stops if the import fails, so
it imports only TensorBoard's own base classes; the plugin itself (numpy, the
engine) is imported in :meth:`LossDiagLoader.load`, where TensorBoard logs a
failure and carries on without the tab.
"""

from tensorboard.plugins import base_plugin


class LossDiagLoader(base_plugin.TBLoader):
    """Builds :class:`tb_lossdiag.plugin.plugin.LossDiagPlugin` lazily."""

    def load(self, context: base_plugin.TBContext) -> base_plugin.TBPlugin:
        from .plugin import LossDiagPlugin

        return LossDiagPlugin(context)
