"""The remote-monitoring feed (远程监测): fault codes and trapped-passenger alarms."""
