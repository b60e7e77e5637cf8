"""Azure Blob Storage on 127.0.0.1, for the rehearsal of an `azure://` DVC remote: Azurite, Microsoft's own emulator.

It comes from npm (tools/package.json), and only its blob service runs. DVC reaches it through the connection
string the workflow hands over as AZURE_STORAGE_CONNECTION_STRING, as it would reach Azure; the account and its
key are Azurite's documented development ones.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from .helpers import TEMPLATE_DIR
from .processes import HOST, answers, free_port, running

AZURITE = TEMPLATE_DIR / "tools" / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class AzureStorage:
    connection_string: str

    def create_container(self, name: str) -> None:
        BlobServiceClient.from_connection_string(self.connection_string).create_container(name)

    def blobs(self, container: str) -> list[str]:
        client = BlobServiceClient.from_connection_string(self.connection_string).get_container_client(container)
        return [blob.name for blob in client.list_blobs()]


@contextlib.contextmanager
def running_azurite(folder: Path) -> Iterator[AzureStorage]:
    if not AZURITE.is_file():
        raise AssertionError(f"{AZURITE} is missing: run `npm ci --prefix tools`")
    port = free_port()
    command = [AZURITE, "--blobHost", HOST, "--blobPort", str(port), "--location", folder / "azurite", "--silent"]
    command += ["--skipApiVersionCheck"]  # the Python SDK may speak a newer API version than this Azurite knows
    with running(command, folder / "azurite.log", folder, {"PATH": "/usr/local/bin:/usr/bin:/bin"}) as process:
        endpoint = f"http://{HOST}:{port}/{ACCOUNT}"
        # Azurite refuses an unsigned request: any answer means it is up.
        if not answers(process, f"{endpoint}?comp=list", status=None):
            raise AssertionError("Azurite did not start:\n" + (folder / "azurite.log").read_text()[-3000:])
        yield AzureStorage(
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};BlobEndpoint={endpoint};"
        )
