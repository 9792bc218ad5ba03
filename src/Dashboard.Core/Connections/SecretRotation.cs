using Dashboard.Core.Auditing;
using Dashboard.Core.Operations;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Connections;

/// <summary>
/// Rotates the key that encrypts secrets now rather than at its 90-day turn: a new key becomes the
/// current one, and every stored secret is decrypted and encrypted again with it, in one
/// transaction. The old keys stay in the ring (another instance may still write with one until it
/// reloads the ring), so nothing becomes unreadable.
/// </summary>
public sealed class SecretRotation(ActionRunner runner, SecretProtector protector, TimeProvider clock)
{
    /// <returns>How many secrets were encrypted again.</returns>
    /// <exception cref="AccessDeniedException">The actor may not manage connections and variables.</exception>
    /// <exception cref="SecretUnreadableException">A stored secret cannot be decrypted with the ring; nothing changed.</exception>
    public Task<int> RotateAsync(Actor actor, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "rotate the key that encrypts secrets");
        protector.StartNewKey(clock.GetUtcNow());
        return runner.RunAsync(null, async db =>
        {
            var count = 0;
            string Again(string ciphertext)
            {
                count++;
                return protector.Protect(protector.Unprotect(ciphertext));
            }

            foreach (var connection in await db.Connections.FromSql($"SELECT * FROM connection FOR UPDATE").ToListAsync(ct))
            {
                connection.EncryptedPassword = connection.EncryptedPassword is { } password ? Again(password) : null;
                connection.EncryptedExtra = connection.EncryptedExtra is { } extra ? Again(extra) : null;
            }

            foreach (var variable in await db.Variables.FromSql($"SELECT * FROM variable WHERE is_secret FOR UPDATE").ToListAsync(ct))
            {
                variable.Value = Again(variable.Value);
            }

            AuditWriter.Record(db, clock.GetUtcNow(), actor, "secrets.rotate", null, count, new { reencrypted = count });
            return count;
        }, 0, ct);
    }
}
