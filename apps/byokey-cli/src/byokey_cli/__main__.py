from byokey_cli.main import main

main()
