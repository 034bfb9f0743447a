"""Values whose CodeTracer encoding needs care: floats, big ints, cycles, cut strings…"""
import enum
from dataclasses import dataclass


class Color(enum.Enum):
    RED = 1
    GREEN = 2


@dataclass
class Point:
    x: float
    y: float


small = 42
edge = 2**63 - 1
beyond = 2**63
big = 2**80
ratio = 0.1 + 0.2
specials = [float("nan"), float("inf"), float("-inf"), -0.0]
flag = True
unique = {3, 1, 2}
table = {"a": 1, 2: "b", (3, 4): [5]}
point = Point(1.5, -2.0)
color = Color.GREEN
loop = [1]
loop.append(loop)
long_text = "x" * 50_000
odd = "a\ud800b"
raw_bytes = b"\x00\xffab"
number = complex(1, -2)
span = range(2, 10, 3)
deep = []
node = deep
for _ in range(40):
    node.append([])
    node = node[0]
done = True
