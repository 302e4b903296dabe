import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';

/** Search by id: goes to `/{base}/{id}`. */
export function IdSearch({ base, label, initial = '' }: { base: string; label: string; initial?: string }) {
  const navigate = useNavigate();
  const [id, setId] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = id.trim();
    if (trimmed) void navigate(`/${base}/${encodeURIComponent(trimmed)}`);
  };
  return (
    <form role="search" className="inline" onSubmit={submit}>
      <label htmlFor={`${base}-search`}>{label}</label>
      <input id={`${base}-search`} value={id} onChange={(e) => setId(e.target.value)} required />
      <button type="submit">Show</button>
    </form>
  );
}
