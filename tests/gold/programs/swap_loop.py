a, b = 0, 1
for _ in range(4):
    a, b = b, a + b
