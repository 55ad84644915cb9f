"""The company view of elevators (维保单位的电梯): the elevators a company maintains, each with its
last visit and whether its maintenance is overdue; the bureau sees every elevator."""
