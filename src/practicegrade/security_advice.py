"""What to do about a bandit result: why it matters and the safe alternative (pure data).

bandit's own text says what it saw ("subprocess call with shell=True identified"); a
learner also needs to hear why that is a problem and what to write instead. This table
covers bandit's common tests in the words of a mentor; any other test falls back to
bandit's text and its documentation page. The feedback items built from it are in
:mod:`practicegrade.securityfeedback`; SARIF uses it as the rules' help text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from practicegrade.model import SecurityIssue


@dataclass(frozen=True, slots=True)
class Advice:
    why: str
    """Why it matters, one sentence without the final period."""
    instead: str
    """The safe alternative, as an instruction without the final period."""


_SHELL = Advice(
    "a shell string runs whatever ends up in it: one ; or $(...) in an input runs another command",
    "pass an argument list and no shell, e.g. subprocess.run(['ls', path], check=True)",
)
_PICKLE = Advice(
    "unpickling runs code chosen by whoever wrote the data",
    "exchange data as JSON (json.loads) and keep pickle for data you wrote yourself",
)
_PASSWORD = Advice(
    "a secret in the code is in every copy and in the git history for good",
    "read it from the environment or a secret store, e.g. os.environ['DB_PASSWORD']",
)
_HASH = Advice(
    "MD5 and SHA-1 collide: they cannot protect passwords or signatures",
    "use hashlib.sha256 for checksums, or usedforsecurity=False when it is not about "
    "security; hash passwords with hashlib.scrypt",
)
_XML = Advice(
    "the standard XML parsers expand entities an attacker can define (billion laughs, XXE)",
    "parse untrusted XML with the defusedxml package",
)

ADVICE: Mapping[str, Advice] = {
    "B101": Advice(
        "asserts are removed when Python runs with -O, so the check disappears",
        "raise an exception (ValueError, PermissionError) for checks that must always run",
    ),
    "B102": Advice(
        "exec runs any text as code",
        "call the function you need directly, or map names to functions in a dict",
    ),
    "B103": Advice(
        "a file everyone may write can be changed by any user on the machine",
        "give files the narrowest mode that works, e.g. 0o600 or 0o644",
    ),
    "B104": Advice(
        "binding to 0.0.0.0 exposes the service on every network the machine is on",
        "bind to 127.0.0.1 unless the service must be reachable, and make it configurable",
    ),
    "B105": _PASSWORD,
    "B106": _PASSWORD,
    "B107": _PASSWORD,
    "B108": Advice(
        "a fixed /tmp path can be created first by another user (symlink attacks)",
        "use tempfile.mkstemp() or tempfile.TemporaryDirectory()",
    ),
    "B110": Advice(
        "except: pass hides every error, including the ones that matter",
        "catch the specific exception you expect and log or handle it",
    ),
    "B112": Advice(
        "except: continue silently skips errors",
        "catch the specific exception you expect and log it before continuing",
    ),
    "B113": Advice(
        "a request without a timeout can hang the program forever",
        "pass timeout=, e.g. requests.get(url, timeout=10)",
    ),
    "B201": Advice(
        "Flask's debugger lets anyone who reaches it run code on the server",
        "turn debug on only through configuration on a developer's machine",
    ),
    "B301": _PICKLE,
    "B302": _PICKLE,
    "B303": _HASH,
    "B304": Advice(
        "this cipher or mode is broken",
        "use a vetted recipe such as cryptography's Fernet",
    ),
    "B305": Advice(
        "ECB mode shows patterns of the plain text",
        "use an authenticated mode (AES-GCM) or cryptography's Fernet",
    ),
    "B306": Advice(
        "mktemp returns a name another process can take before you create the file",
        "use tempfile.mkstemp() or tempfile.NamedTemporaryFile()",
    ),
    "B307": Advice(
        "eval runs any text as code",
        "parse literals with ast.literal_eval, or data with json.loads",
    ),
    "B310": Advice(
        "urlopen also opens file:// and other schemes an input may name",
        "check the URL's scheme is http or https first, or use a client that only speaks HTTP",
    ),
    "B311": Advice(
        "the random module is predictable, so tokens made with it can be guessed",
        "use the secrets module (secrets.token_urlsafe()) for anything security-related",
    ),
    "B313": _XML,
    "B314": _XML,
    "B318": _XML,
    "B320": _XML,
    "B323": Advice(
        "an unverified TLS context accepts any certificate, so anyone can intercept",
        "use ssl.create_default_context()",
    ),
    "B324": _HASH,
    "B403": _PICKLE,
    "B404": Advice(
        "subprocess is safe only with argument lists and checked results",
        "keep each call to an argument list with check=True",
    ),
    "B501": Advice(
        "verify=False accepts any certificate, so anyone on the way can read and change "
        "the traffic",
        "keep certificate checks on; point verify= at your CA bundle if you need one",
    ),
    "B506": Advice(
        "yaml.load can build arbitrary Python objects from the document",
        "use yaml.safe_load",
    ),
    "B602": _SHELL,
    "B603": Advice(
        "a command built from input may still run something unexpected",
        "pass a fixed program name and validate every argument that comes from input",
    ),
    "B604": _SHELL,
    "B605": _SHELL,
    "B606": _SHELL,
    "B607": Advice(
        "a program found through PATH can be swapped for another one",
        "call the program by its full path, e.g. shutil.which('git') resolved once",
    ),
    "B608": Advice(
        "SQL built from strings lets input change the query (SQL injection)",
        "pass values as query parameters, e.g. cursor.execute('... WHERE id = ?', (id,))",
    ),
    "B609": _SHELL,
    "B701": Advice(
        "templates without autoescaping let input inject HTML and scripts",
        "create the environment with autoescape=True (or select_autoescape())",
    ),
}

GENERIC = Advice(
    "bandit flags patterns that attackers look for first",
    "read bandit's page for this test and apply its recommended fix",
)


def advice_for(test_id: str) -> Advice:
    """The advice for a bandit test id; a generic one for tests not in the table."""
    return ADVICE.get(test_id, GENERIC)


def bandit_doc_url(issue: SecurityIssue) -> str:
    """bandit's documentation page for the test (a URL we build, never learner text)."""
    group = "blacklists" if issue.test_name == "blacklist" else "plugins"
    if group == "blacklists":
        return "https://bandit.readthedocs.io/en/latest/blacklists/index.html"
    name = "".join(c for c in issue.test_name if c.isalnum() or c == "_")
    test = "".join(c for c in issue.test_id.lower() if c.isalnum())
    return f"https://bandit.readthedocs.io/en/latest/plugins/{test}_{name}.html"
