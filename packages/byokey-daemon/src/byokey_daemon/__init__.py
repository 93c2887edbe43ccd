"""PID file, control socket, socket activation, lifecycle and OS services for byokey.

Imports nothing of the workspace: the CLI and the server build on it, never the reverse.
"""

from ._activation import LISTEN_FDS_START, adopt_listen_fds, bind_listener, launchd_activate_sockets
from ._command_runner import CommandFailedError, CommandResult, CommandRunner, run_command
from ._control_client import CONTROL_TIMEOUT_SECONDS, ControlClient
from ._control_handlers import AsyncControlHandler, LoopBridgedHandler, ServeControl
from ._control_probe import SocketProbe, probe_unix_socket
from ._control_protocol import NO_CONFIG_FILE, ControlHandler, ServerStatus
from ._control_server import ControlServer
from ._errors import (
    AlreadyRunningError,
    AnotherServeRunningError,
    ControlBindError,
    ControlRequestError,
    DaemonError,
    DaemonIOError,
    ListenerBindError,
    MalformedPidFileError,
    NoHomeDirectoryError,
    NotRunningError,
    ServiceError,
    SpawnFailedError,
    StartFailedError,
    StopFailedError,
    UnsupportedPlatformError,
    error_chain_text,
)
from ._launchd import LaunchdUserService, launchd_plist, render_launchd_plist
from ._lifecycle import (
    ProcessStatus,
    ServerState,
    process_status,
    restart_server,
    start_server,
    stop_server,
)
from ._paths import SERVICE_LABEL, SYSTEMD_UNIT_NAME, DaemonPaths
from ._pidfile import (
    PidFileCheck,
    PidState,
    inspect_pid_file,
    is_process_alive,
    process_cmdline,
    process_matches,
    read_pid_file,
    remove_pid_file,
    write_pid_file,
)
from ._service_base import ServiceManager, ServiceStatus
from ._service_select import service_manager_for
from ._service_spec import ServiceSpec, serve_arguments
from ._shutdown import ShutdownCoordinator
from ._spawn import read_log_tail, start_detached
from ._systemd import SystemdUserService, render_systemd_unit, systemd_quote

__version__ = "0.1.0"

__all__ = [
    "CONTROL_TIMEOUT_SECONDS",
    "LISTEN_FDS_START",
    "NO_CONFIG_FILE",
    "SERVICE_LABEL",
    "SYSTEMD_UNIT_NAME",
    "AlreadyRunningError",
    "AnotherServeRunningError",
    "AsyncControlHandler",
    "CommandFailedError",
    "CommandResult",
    "CommandRunner",
    "ControlBindError",
    "ControlClient",
    "ControlHandler",
    "ControlRequestError",
    "ControlServer",
    "DaemonError",
    "DaemonIOError",
    "DaemonPaths",
    "LaunchdUserService",
    "ListenerBindError",
    "LoopBridgedHandler",
    "MalformedPidFileError",
    "NoHomeDirectoryError",
    "NotRunningError",
    "PidFileCheck",
    "PidState",
    "ProcessStatus",
    "ServeControl",
    "ServerState",
    "ServerStatus",
    "ServiceError",
    "ServiceManager",
    "ServiceSpec",
    "ServiceStatus",
    "ShutdownCoordinator",
    "SocketProbe",
    "SpawnFailedError",
    "StartFailedError",
    "StopFailedError",
    "SystemdUserService",
    "UnsupportedPlatformError",
    "__version__",
    "adopt_listen_fds",
    "bind_listener",
    "error_chain_text",
    "inspect_pid_file",
    "is_process_alive",
    "launchd_activate_sockets",
    "launchd_plist",
    "probe_unix_socket",
    "process_cmdline",
    "process_matches",
    "process_status",
    "read_log_tail",
    "read_pid_file",
    "remove_pid_file",
    "render_launchd_plist",
    "render_systemd_unit",
    "restart_server",
    "run_command",
    "serve_arguments",
    "service_manager_for",
    "start_detached",
    "start_server",
    "stop_server",
    "systemd_quote",
    "write_pid_file",
]
