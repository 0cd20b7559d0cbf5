"""The app as a whole: first-run set-up, the self-test and the headless demo."""
