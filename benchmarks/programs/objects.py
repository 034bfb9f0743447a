N = 1500  # size: benchmarks/run.py replaces this first line
# Object-heavy code: a small class hierarchy, method calls, and sorting with a key.


class Shape:
    def __init__(self, name):
        self.name = name

    def area(self):
        raise NotImplementedError

    def describe(self):
        return f"{self.name}:{self.area():.2f}"


class Rect(Shape):
    def __init__(self, w, h):
        super().__init__("rect")
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h


class Circle(Shape):
    def __init__(self, r):
        super().__init__("circle")
        self.r = r

    def area(self):
        return 3.14159 * self.r * self.r


seed = 3
shapes = []
for i in range(N):
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    if seed % 2:
        shapes.append(Rect(seed % 13 + 1, seed % 7 + 1))
    else:
        shapes.append(Circle(seed % 5 + 1))
shapes.sort(key=lambda s: s.area())
labels = [s.describe() for s in shapes[-5:]]
total = round(sum(s.area() for s in shapes), 3)
result = (labels, total, len(shapes))
