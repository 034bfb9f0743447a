a = [1, 2]
b = a
b.append(3)
c = list(a)
c[0] = 99
d = {"k": a}
d["k"].append(4)
