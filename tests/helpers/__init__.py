"""The tests' shared helpers, one package (as hypothesis keeps its own test helpers): targets the
kit runs against (``targets``: the reference server served with known tokens; ``staging``: a
raw HTTP(S) target that records headers; ``planted_defects``: the reference server refusing
chosen valid values of a member), the command run in-process (``cli``), requests for the
reference server's own tests (``server_requests``), the OpenRPC npm tools (``openrpc_tools``),
servers node runs (``node_servers``; ``ganache``, an Ethereum server), ``conformance proxy`` run
as a process (``proxy_process``), the example payload files (``example_files``),
python-jsonschema as an independent oracle (``json_schema_oracle``), the checks that keep prose
true (``docs_check``, ``cited_paths``), Debian's chromium (``browser``), the HTML report's lists
(``html_report``), the programs some tests run (``tools``: curl, and bash for a pasted
reproduction), the branches a property test must reach (``reach``), children that take Ctrl-C
as a terminal sends it (``signals``), a team's hooks module (``team_hooks``), a
hand-written server of one method (``one_method``), and the strings and members' names of a
JSON value (``json_parts``).
"""
