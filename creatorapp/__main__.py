from creatorapp.cli.main import main

raise SystemExit(main())
