"""`qms serve`: the web workspace over this workspace's register and check runs."""

from __future__ import annotations

import os

import click

from ..core.errors import QmsError
from ..core.i18n import _
from ._capa_common import load_context, open_db, require_config


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--config", "config_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Workspace configuration (default: the qms.yaml found from the current folder up).")
@click.option("--database", "database_url", metavar="URL", help="SQLAlchemy URL (default as for `qms nc`).")
@click.option("--sso-header", metavar="HEADER",
              help="Single sign-on: take the user from this header set by a trusted reverse proxy (off by default).")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ADDRESS",
              help="Address of the reverse proxy whose --sso-header is believed (repeatable).")
def serve(host, port, config_path, database_url, sso_header, trusted_proxies) -> None:
    """Serve the web workspace (log in with a password set by `qms user set-password`; sessions are signed with QMS_SECRET_KEY, else a random key and new logins after a restart)."""
    import uvicorn

    from ..web.app import create_app

    config, db = open_db(config_path, database_url)
    _config, root = load_context(config_path)
    if sso_header and not trusted_proxies:
        raise QmsError(_("--sso-header needs --trusted-proxy: the address of the proxy that sets the header"))
    app = create_app(require_config(config), db, root, secret_key=os.environ.get("QMS_SECRET_KEY") or None,
                     sso_header=sso_header, trusted_proxies=trusted_proxies)
    if not os.environ.get("QMS_SECRET_KEY"):
        click.echo(_("QMS_SECRET_KEY is not set: sessions end when the server stops"), err=True)
    click.echo(_("Serving {url} (Ctrl+C stops)").format(url=f"http://{host}:{port}/"), err=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
    except OSError as error:
        raise QmsError(_("Cannot serve on {host}:{port}: {reason}").format(host=host, port=port,
                                                                           reason=error)) from None
