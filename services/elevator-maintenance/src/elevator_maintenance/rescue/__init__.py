"""Emergency rescue (96333 应急处置): trapped-passenger incidents, dispatch, clocks, figures."""
