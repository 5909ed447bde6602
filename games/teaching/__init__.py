"""Teaching: exercises whose right answers come from the package's own solvers, and their judges.

``problem_set`` holds the exercises (:func:`exercise`, :func:`exercises`); ``checkers`` the judges
that explain a wrong answer in the student's terms (:func:`judge_pure`, :func:`pure_answer`, ...).

>>> from games.teaching import exercise
>>> exercise("pd-equilibria").check([("D", "D")]).correct
True
"""

from games.teaching.checkers import Feedback, judge_pure, pure_answer
from games.teaching.problem_set import Exercise, exercise, exercises

__all__ = ["Exercise", "Feedback", "exercise", "exercises", "judge_pure", "pure_answer"]
