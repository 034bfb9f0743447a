class Account:
    rate = 0.5

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        self.balance += amount
        self.history.append(("in", amount))
        return self.balance


acct = Account("ada")
alias = acct
acct.deposit(10)
acct.deposit(5.5)
ledger = {"ada": acct}
ledger["ada"].history.append(("note", None))
