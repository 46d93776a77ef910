using Mpsa.Agent;

return await AgentCli.RunAsync(args).ConfigureAwait(false);
