"""The customer-service desk: complaints, disputes, hardship requests and their deadlines."""
