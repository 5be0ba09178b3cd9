from arrears.cli.main import app

app(prog_name="arrears")
