let scheduledRuns = 0;
export default {
  scheduled() { scheduledRuns++; },
  fetch() { return Response.json({ scheduledRuns, hasScheduled: true }); },
};
