"""The one place the GUI imports Qt from, so a binding change touches one file."""

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot  # noqa: F401
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget  # noqa: F401
