"""Celery's file-system broker with atomic writes, for the embedded default (`make up`).

kombu's own transport creates a message file and then writes it, so a worker polling the
folder can read it empty in between and die on the JSON. Here a message is written under a
name the reader ignores and renamed into place."""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        tmp = os.path.join(self.data_folder_out, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(dumps(payload).encode())
        os.replace(tmp, final)


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES["tsfs"] = "services.common.fsbroker:Transport"
