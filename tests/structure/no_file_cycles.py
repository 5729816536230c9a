"""No dependency cycles between the project's C files: reads the symbols
each object file of the build defines and uses (nm) and fails, naming
them, when files call into each other in a loop, directly or through
others. Usage: no_file_cycles.py BUILD_DIR"""
import collections
import glob
import os
import subprocess
import sys


def symbols(obj):
    defined, used = set(), set()
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
    return defined, used


def cycles(graph):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def main():
    build = sys.argv[1]
    # The programs' and libraries' objects; tests, fuzz targets and the
    # second vhostd built from the same files are not the tree's structure.
    objs = [o for o in glob.glob(os.path.join(build, "**", "*.c.o"), recursive=True)
            if not os.path.relpath(o, build).startswith(("tests/", "fuzz/"))
            and "vhostd-abi-test" not in o]
    if not objs:
        print("no object files under %s" % build)
        return 1
    defs, uses = {}, {}
    for o in objs:
        name = os.path.relpath(o, build).replace("CMakeFiles/", "")
        defs[name], uses[name] = symbols(o)
    owner = {s: n for n, d in defs.items() for s in d}
    graph = collections.defaultdict(set)
    for n, used in uses.items():
        for s in used:
            if s in owner and owner[s] != n:
                graph[n].add(owner[s])
    found = cycles(graph)
    for comp in found:
        print("files calling into each other in a loop: " + ", ".join(comp))
    print("%d object files, %d cycles" % (len(objs), len(found)))
    return 1 if found else 0


sys.exit(main())
