import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ingestion } from './api';

/** Re-activates a kept build; every builds query refreshes after it. */
export function useRollback() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => ingestion.rollback(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['builds'] }),
  });
}
