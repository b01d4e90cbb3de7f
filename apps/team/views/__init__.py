"""Team pages: agents (with live workload), an agent, agent admin, departments and teams."""
