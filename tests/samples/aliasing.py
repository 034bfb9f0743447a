a = [1, 2]
b = a
c = [a, a]
a.append(3)
b[0] = 99
d = {"k": c}
c.append(d)
