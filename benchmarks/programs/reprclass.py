N = 2000  # size: benchmarks/run.py replaces this first line
# Small classes that define __repr__, with methods called in a loop (a bank of accounts).


class Account:
    def __init__(self, owner, balance):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount
        return self.balance

    def withdraw(self, amount):
        if amount > self.balance:
            return False
        self.balance -= amount
        return True

    def __repr__(self):
        return f"Account({self.owner!r}, {self.balance})"


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def moved(self, dx, dy):
        return Point(self.x + dx, self.y + dy)

    def __repr__(self):
        return f"Point({self.x}, {self.y})"


accounts = [Account(f"user{i}", 100) for i in range(20)]
seed = 11
failed = 0
p = Point(0, 0)
for i in range(N):
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    acc = accounts[seed % 20]
    if seed % 3:
        acc.deposit(seed % 50)
    elif not acc.withdraw(seed % 120):
        failed += 1
    p = p.moved(1, -1)
result = (sum(a.balance for a in accounts), failed, repr(p))
