"""The path of one task, ``/{task_id}``, written so that it never swallows a sibling path."""

from starlette.convertors import Convertor, register_url_convertor


class TaskIdSegment(Convertor[str]):
    """Any path segment except the fixed sibling paths ``search`` and ``bulk``.

    Without it ``PATCH /api/tasks/search`` would reach ``PATCH /api/tasks/{task_id}`` and get
    a 422 about the id, where the truth is a 405: that path exists, but not with that method.
    The segment stays a string here so that FastAPI still answers 422 for ``/api/tasks/abc``.
    """

    regex = r"(?!(?:search|bulk)$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("task_id_segment", TaskIdSegment())
TASK_PATH = "/{task_id:task_id_segment}"
