echo "echo: started" >&2
while IFS= read -r line; do
	case "$line" in
	"exit "*) exit "${line#exit }" ;;
	"cat "*) cat "${line#cat }"; continue ;;
	esac
	printf '%s\n' "$line"
	printf 'stderr: %s\n' "$line" >&2
done
echo "echo: EOF on stdin" >&2
