"""Team forms: the agents page's filters, agent admin (invite, edit), a Desk agent made a console user."""
