class Account:
    rate = 2
    def __init__(self, owner):
        self.owner = owner
        self.balance = 0
    def deposit(self, amount):
        self.balance += amount
        return self.balance
acc = Account("ann")
acc.deposit(10)
after = acc.deposit(5)
