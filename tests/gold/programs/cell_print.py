# gold: cell
a = 1
b = [a, 2]
c = a + 10
print(c)
