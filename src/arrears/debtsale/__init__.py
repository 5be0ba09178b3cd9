"""Debt sale (不良资产转让): candidate pools of loss-class accounts with their expected recoveries, a
sale of a pool to a buyer (proposed by one person, approved by another), the buyer's file, the accounts
marked sold and excluded from every later run, queue, message and placement, the cardholders' notice
letters, and the payments received on sold accounts flagged to forward to the buyer. docs/debt-sale.md.
"""
