from porter.entry import main

main()
