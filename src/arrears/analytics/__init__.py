"""Analytics: the manager dashboard's figures (KPIs over the book, the queues and the contacts)."""
